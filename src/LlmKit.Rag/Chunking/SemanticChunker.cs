using System.Numerics.Tensors;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Chunking;

/// <summary>
/// Places chunk boundaries where the topic changes: between neighbouring sentences whose embeddings are least similar
/// (above the <see cref="SemanticChunkerOptions.BreakpointPercentile"/> of distances), then keeps every chunk within
/// <see cref="ChunkerOptions.MaxTokens"/>.
/// </summary>
/// <remarks>It embeds every sentence once per call, so pair it with a cheap or cached embedding generator.</remarks>
public sealed class SemanticChunker : IChunker
{
    private static readonly SplitLevel[] Levels = [SplitLevel.Sentence, SplitLevel.Word];
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly ITokenCounter _counter;
    private readonly SemanticChunkerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="SemanticChunker"/> class.</summary>
    /// <param name="embedder">Embeds sentences.</param>
    /// <param name="counter">Counts tokens.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public SemanticChunker(IEmbeddingGenerator<string, Embedding<float>> embedder, ITokenCounter counter, SemanticChunkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(counter);
        _embedder = embedder;
        _counter = counter;
        _options = options ?? new SemanticChunkerOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<TextChunk>> ChunkAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<TextChunk>();
        var segmenter = new TextSegmenter(text);
        var assembler = new ChunkAssembler(segmenter, _counter, _options.MaxTokens, output);
        var ends = new List<int>();
        segmenter.Split(0, text.Length, SplitLevel.Sentence, ends);
        if (ends.Count <= 1)
        {
            assembler.Chunk(0, text.Length, Levels);
            return output;
        }

        var sentences = new string[ends.Count];
        for (int i = 0; i < ends.Count; i++)
        {
            int start = i == 0 ? 0 : ends[i - 1];
            sentences[i] = text[start..ends[i]];
        }

        var embeddings = await _embedder.GenerateAsync(sentences, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (embeddings.Count != sentences.Length)
        {
            throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} embeddings for {sentences.Length} sentences.");
        }

        var distances = new double[sentences.Length - 1];
        for (int i = 0; i < distances.Length; i++)
        {
            distances[i] = 1 - TensorPrimitives.CosineSimilarity(embeddings[i].Vector.Span, embeddings[i + 1].Vector.Span);
            if (double.IsNaN(distances[i]))
            {
                distances[i] = 0; // An all-zero embedding (a sentence of punctuation) says nothing about topic.
            }
        }

        double threshold = Percentile(distances, _options.BreakpointPercentile);
        int groupStart = 0;
        for (int i = 0; i < sentences.Length; i++)
        {
            bool last = i == sentences.Length - 1;
            if (last || distances[i] > threshold)
            {
                assembler.Chunk(groupStart, ends[i], Levels);
                groupStart = ends[i];
            }
        }

        return output;
    }

    private static double Percentile(double[] values, double percentile)
    {
        var sorted = values.Order().ToArray();
        double rank = percentile / 100 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
    }
}
