using LlmKit.Rag.Keyword;
using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Embeddings;

/// <summary>
/// An offline embedder: feature-hashed words, word bigrams and character trigrams, sublinear term weights, unit length.
/// Deterministic across machines and runs, needs no model download or key, and is fast enough to embed a corpus in
/// seconds, so retrieval works on a fresh machine; swap in a model-backed <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for quality.
/// </summary>
/// <remarks>
/// <para>
/// It measures lexical overlap, not meaning: "car" and "automobile" share nothing. Its value in a hybrid is the fuzzy
/// matching of word forms and phrases that BM25 does not do.
/// </para>
/// <para>
/// It learns from the corpus as ingestion fills the index (SMART's lnc.ltc weighting): document vectors carry no idf,
/// so they never go stale, while queries (embedded with <see cref="EmbeddingPurpose.Query"/>) weight each feature by its
/// idf in <see cref="Statistics"/>, which the ingestion pipeline updates as chunks arrive and leave. Unweighted, a
/// common word counts as much as a rare one and the vectors pull a hybrid below BM25 alone.
/// </para>
/// </remarks>
public sealed class HashingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const uint WordSeed = 0x9E3779B9;
    private const uint BigramSeed = 0x85EBCA6B;
    private const uint TrigramSeed = 0xC2B2AE35;
    private readonly HashingEmbeddingGeneratorOptions _options;
    private readonly TextAnalyzer _analyzer;
    private readonly float[]? _featureWeights;

    /// <summary>Initializes a new instance of the <see cref="HashingEmbeddingGenerator"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="analyzer">The analyzer that finds words; <see langword="null"/> for the English default.</param>
    public HashingEmbeddingGenerator(HashingEmbeddingGeneratorOptions? options = null, TextAnalyzer? analyzer = null)
        : this(options, analyzer, null)
    {
    }

    private HashingEmbeddingGenerator(HashingEmbeddingGeneratorOptions? options, TextAnalyzer? analyzer, float[]? featureWeights)
    {
        _featureWeights = featureWeights;
        _options = options ?? new HashingEmbeddingGeneratorOptions();
        _options.Validate();
        _analyzer = analyzer ?? new TextAnalyzer();
        Statistics = new FeatureStatistics(_options.Dimensions);
        Metadata = new EmbeddingGeneratorMetadata("llmkit-hashing", defaultModelId: $"hashing-{_options.Dimensions}", defaultModelDimensions: _options.Dimensions);
    }

    /// <summary>
    /// Gets the document frequencies of the indexed corpus, which weight query features; the ingestion pipeline keeps
    /// them current. Ignored when the generator was <see cref="Fit"/>ted (its fixed weights apply to both sides).
    /// </summary>
    public FeatureStatistics Statistics { get; }

    /// <summary>Gets the per-dimension idf weights learned by <see cref="Fit"/>, or <see langword="null"/> for an unfitted generator.</summary>
    public IReadOnlyList<float>? FeatureWeights => _featureWeights;

    /// <summary>
    /// Returns a generator that also weights each hashed feature by its inverse document frequency in
    /// <paramref name="corpus"/>, so common words count for less, as in BM25. Still deterministic: the same corpus
    /// gives the same weights. Embed documents and queries with the same fitted generator.
    /// </summary>
    /// <param name="corpus">Representative texts, typically the chunks to be indexed.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="analyzer">The analyzer; <see langword="null"/> for the English default.</param>
    /// <returns>The fitted generator.</returns>
    public static HashingEmbeddingGenerator Fit(IEnumerable<string> corpus, HashingEmbeddingGeneratorOptions? options = null, TextAnalyzer? analyzer = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var plain = new HashingEmbeddingGenerator(options, analyzer);
        var df = new int[plain._options.Dimensions];
        int n = 0;
        foreach (string text in corpus)
        {
            float[] vector = plain.Embed(text);
            for (int i = 0; i < vector.Length; i++)
            {
                if (vector[i] != 0)
                {
                    df[i]++;
                }
            }

            n++;
        }

        var weights = new float[df.Length];
        for (int i = 0; i < df.Length; i++)
        {
            weights[i] = (float)Math.Log((n + 1.0) / (df[i] + 1.0)) + 1f;
        }

        return new HashingEmbeddingGenerator(plain._options, plain._analyzer, weights);
    }

    /// <summary>Creates a generator with idf weights saved from <see cref="FeatureWeights"/> of a fitted one.</summary>
    /// <param name="featureWeights">One weight per dimension.</param>
    /// <param name="options">The options the weights were fitted with.</param>
    /// <param name="analyzer">The analyzer the weights were fitted with.</param>
    /// <returns>The generator.</returns>
    public static HashingEmbeddingGenerator WithFeatureWeights(IReadOnlyList<float> featureWeights, HashingEmbeddingGeneratorOptions? options = null, TextAnalyzer? analyzer = null)
    {
        ArgumentNullException.ThrowIfNull(featureWeights);
        var generator = new HashingEmbeddingGenerator(options, analyzer, featureWeights.ToArray());
        return featureWeights.Count == generator._options.Dimensions
            ? generator
            : throw new ArgumentException($"{featureWeights.Count} weights were given for {generator._options.Dimensions} dimensions.", nameof(featureWeights));
    }

    /// <summary>Gets the generator's metadata (provider <c>llmkit-hashing</c>).</summary>
    public EmbeddingGeneratorMetadata Metadata { get; }

    /// <summary>Embeds one text synchronously.</summary>
    /// <param name="text">The text.</param>
    /// <returns>A unit-length vector (all zeros when the text has no words).</returns>
    public float[] Embed(string text) => Embed(text, _featureWeights);

    /// <summary>Embeds a query: like <see cref="Embed(string)"/>, with each feature weighted by its idf in <see cref="Statistics"/>.</summary>
    /// <param name="text">The query.</param>
    /// <returns>A unit-length vector.</returns>
    public float[] EmbedQuery(string text) => Embed(text, _featureWeights ?? Statistics.InverseDocumentFrequencies());

    private float[] Embed(string text, float[]? weights)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vector = new float[_options.Dimensions];
        var sink = new FeatureSink(this, vector);
        _analyzer.Tokenize(text, ref sink);

        double norm = 0;
        for (int i = 0; i < vector.Length; i++)
        {
            // Sublinear weights: a word repeated ten times should not drown the rest of the text.
            float v = vector[i];
            v = MathF.CopySign(MathF.Log(1 + MathF.Abs(v)), v);
            if (weights is not null)
            {
                v *= weights[i];
            }

            vector[i] = v;
            norm += v * v;
        }

        if (norm > 0)
        {
            float scale = (float)(1 / Math.Sqrt(norm));
            for (int i = 0; i < vector.Length; i++)
            {
                vector[i] *= scale;
            }
        }

        return vector;
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        bool query = EmbeddingPurpose.Of(options) == EmbeddingPurpose.Query;
        float[]? weights = query ? _featureWeights ?? Statistics.InverseDocumentFrequencies() : _featureWeights;
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new Embedding<float>(Embed(value, weights)) { ModelId = Metadata.DefaultModelId });
        }

        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static uint Hash(ReadOnlySpan<char> s, uint seed)
    {
        // FNV-1a with a seed and a final avalanche: stable across processes, unlike string.GetHashCode.
        uint h = 2166136261 ^ seed;
        foreach (char c in s)
        {
            h = (h ^ c) * 16777619;
        }

        h ^= h >> 16;
        h *= 0x7FEB352D;
        h ^= h >> 15;
        h *= 0x846CA68B;
        h ^= h >> 16;
        return h;
    }

    private void AddFeature(float[] vector, uint hash, float weight)
    {
        // The top bit picks the sign, so collisions cancel on average instead of piling up.
        int index = (int)((hash & 0x7FFFFFFF) % (uint)vector.Length);
        vector[index] += (hash & 0x80000000) != 0 ? -weight : weight;
    }

    private ref struct FeatureSink(HashingEmbeddingGenerator owner, float[] vector) : ITokenSink
    {
        private uint _previous;
        private bool _hasPrevious;

        public void OnToken(scoped Span<char> word)
        {
            float trigramWeight = (float)owner._options.CharTrigramWeight;
            if (trigramWeight > 0 && word.Length >= 2)
            {
                Span<char> padded = stackalloc char[word.Length + 2];
                padded[0] = '<';
                word.CopyTo(padded[1..]);
                padded[^1] = '>';
                for (int i = 0; i + 3 <= padded.Length; i++)
                {
                    owner.AddFeature(vector, Hash(padded.Slice(i, 3), TrigramSeed), trigramWeight);
                }
            }

            int length = owner._analyzer.Normalize(word);
            if (length <= 0)
            {
                return;
            }

            uint h = Hash(word[..length], WordSeed);
            owner.AddFeature(vector, h, 1f);
            float bigramWeight = (float)owner._options.WordBigramWeight;
            if (_hasPrevious && bigramWeight > 0)
            {
                owner.AddFeature(vector, Hash([(char)(_previous >> 16), (char)_previous, (char)(h >> 16), (char)h], BigramSeed), bigramWeight);
            }

            _previous = h;
            _hasPrevious = true;
        }
    }
}
