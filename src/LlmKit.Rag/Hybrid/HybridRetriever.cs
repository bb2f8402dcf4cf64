using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Retrievers;
using LlmKit.Rag.Vectors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Rag.Hybrid;

/// <summary>
/// Keyword and vector search run concurrently, each to <see cref="HybridRetrieverOptions.CandidateDepth"/>, fused (RRF
/// or weighted scores), optionally diversified with MMR and reranked. Every result records each stage's rank and score.
/// Either side is an interface: the in-process <see cref="Bm25Index"/> and <see cref="VectorIndex"/>, the PostgreSQL
/// store, or any <c>Microsoft.Extensions.VectorData</c> collection through <see cref="VectorStoreSearch{TRecord}"/>.
/// </summary>
/// <remarks>
/// A <see cref="MetadataFilter"/> is applied inside both searches, before ranking, so each returns its full depth of
/// allowed chunks; a chunk whose metadata is unknown is excluded whenever a filter is given.
/// </remarks>
public sealed class HybridRetriever
{
    private readonly IKeywordSearch _keyword;
    private readonly IVectorSearch _vectors;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly HybridRetrieverOptions _options;
    private readonly IChunkSource? _chunks;
    private readonly IReranker? _reranker;
    private readonly ILogger _logger;

    // Queries are marked as such, so generators that weight or prefix queries differently (the hashing embedder's idf,
    // an instruction model's query prefix) embed them as queries.
    // A new instance per call: options objects are mutable and a generator may write to them.
    private static EmbeddingGenerationOptions QueryOptions => EmbeddingPurpose.Options(EmbeddingPurpose.Query);

    /// <summary>Initializes a new instance of the <see cref="HybridRetriever"/> class over the in-process indexes.</summary>
    /// <param name="keyword">The keyword index.</param>
    /// <param name="vectors">The vector index.</param>
    /// <param name="embedder">Embeds queries; it must be the generator that embedded the indexed chunks.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="chunks">Chunk texts and metadata, to put text in results and filter keyword results; required with a reranker.</param>
    /// <param name="reranker">An optional reranker.</param>
    /// <param name="logger">A logger.</param>
    /// <exception cref="ArgumentException">A reranker is given without a chunk store.</exception>
    public HybridRetriever(
        Bm25Index keyword,
        VectorIndex vectors,
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        HybridRetrieverOptions? options = null,
        ChunkStore? chunks = null,
        IReranker? reranker = null,
        ILogger<HybridRetriever>? logger = null)
        : this(new Bm25KeywordSearch(keyword ?? throw new ArgumentNullException(nameof(keyword)), chunks), (IVectorSearch)vectors, embedder, options, chunks, reranker, logger)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="HybridRetriever"/> class over any keyword and vector search.</summary>
    /// <param name="keyword">The keyword side.</param>
    /// <param name="vectors">The vector side.</param>
    /// <param name="embedder">Embeds queries; it must be the generator that embedded the indexed chunks.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="chunks">Chunk texts and metadata (a <see cref="ChunkStore"/> or the store outside the process), to put them in results; required with a reranker.</param>
    /// <param name="reranker">An optional reranker.</param>
    /// <param name="logger">A logger.</param>
    /// <exception cref="ArgumentException">A reranker is given without a chunk source.</exception>
    public HybridRetriever(
        IKeywordSearch keyword,
        IVectorSearch vectors,
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        HybridRetrieverOptions? options = null,
        IChunkSource? chunks = null,
        IReranker? reranker = null,
        ILogger<HybridRetriever>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(embedder);
        if (reranker is not null && chunks is null)
        {
            throw new ArgumentException("A reranker needs the chunk texts: pass the ChunkStore the ingestion pipeline fills (or the store that holds the chunks).", nameof(chunks));
        }

        _keyword = keyword;
        _vectors = vectors;
        _embedder = embedder;
        _options = options ?? new HybridRetrieverOptions();
        _options.Validate();
        _chunks = chunks;
        _reranker = reranker;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Searches both indexes and returns the best <paramref name="top"/> chunks.</summary>
    /// <param name="query">The query text.</param>
    /// <param name="top">How many results at most.</param>
    /// <param name="filter">Restricts results to allowed chunks; <see langword="null"/> allows all.</param>
    /// <param name="cancellationToken">A token to cancel the search.</param>
    /// <returns>The results, best first.</returns>
    public async Task<IReadOnlyList<RetrievalResult>> SearchAsync(string query, int top = 10, MetadataFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        int depth = Math.Max(_options.CandidateDepth, top);

        var keywordTask = _keyword.SearchAsync(query, depth, filter, cancellationToken);
        var embeddings = await _embedder.GenerateAsync([query], QueryOptions, cancellationToken).ConfigureAwait(false);
        var queryVector = embeddings[0].Vector;
        var vectorHits = await _vectors.SearchAsync(queryVector, depth, filter, cancellationToken).ConfigureAwait(false);
        var keywordHits = await keywordTask.ConfigureAwait(false);

        double[] weights = [_options.KeywordWeight, _options.VectorWeight];
        var fused = _options.Fusion == FusionMethod.ReciprocalRank
            ? RankFusion.ReciprocalRank([keywordHits, vectorHits], _options.RrfK, weights)
            : RankFusion.WeightedScore([keywordHits, vectorHits], weights);

        var keywordRanks = RankMap(keywordHits);
        var vectorRanks = RankMap(vectorHits);
        var fusedRanks = RankMap(fused);

        List<string> order = fused.Select(h => h.Id).ToList();
        Dictionary<string, (int Rank, double Score)>? mmrRanks = null;
        if (_options.UseMmr && order.Count > 0)
        {
            int keep = Math.Min(order.Count, _reranker is null ? top : Math.Max(top, _options.RerankDepth));
            var candidateVectors = await _vectors.GetVectorsAsync(order, cancellationToken).ConfigureAwait(false);
            var diverse = MaximalMarginalRelevance.Select(fused, candidateVectors, keep, _options.MmrLambda);
            mmrRanks = RankMap(diverse);
            var chosen = diverse.Select(h => h.Id).ToList();
            order = chosen.Concat(order.Where(id => !mmrRanks.ContainsKey(id))).ToList();
        }

        // One read of texts and metadata for everything that can still reach the results (the rerank head included).
        var stored = _chunks is null || order.Count == 0
            ? null
            : await _chunks.GetChunksAsync(order.Take(_reranker is null ? top : Math.Max(top, _options.RerankDepth)).ToList(), cancellationToken).ConfigureAwait(false);

        Dictionary<string, (int Rank, double Score)>? rerank = null;
        if (_reranker is not null && order.Count > 0)
        {
            rerank = await RerankAsync(query, order, stored!, cancellationToken).ConfigureAwait(false);
            if (rerank is not null)
            {
                var head = order.Where(rerank.ContainsKey).OrderBy(id => rerank[id].Rank);
                order = head.Concat(order.Where(id => !rerank.ContainsKey(id))).ToList();
            }
        }

        var results = new List<RetrievalResult>(Math.Min(top, order.Count));
        for (int i = 0; i < order.Count && results.Count < top; i++)
        {
            string id = order[i];
            var fusedHit = fusedRanks[id];
            StoredChunk? chunk = stored?.GetValueOrDefault(id);
            DocumentMetadata? metadata = chunk?.Metadata ?? (_vectors is VectorIndex index && index.TryGetMetadata(id, out var m) ? m : null);
            (int Rank, double Score)? reranked = rerank is not null && rerank.TryGetValue(id, out var rr) ? rr : null;
            results.Add(new RetrievalResult
            {
                Id = id,
                Rank = i + 1,
                Score = reranked?.Score ?? fusedHit.Score,
                Text = chunk?.Text,
                Metadata = metadata,
                KeywordRank = keywordRanks.TryGetValue(id, out var k) ? k.Rank : null,
                KeywordScore = keywordRanks.TryGetValue(id, out k) ? k.Score : null,
                VectorRank = vectorRanks.TryGetValue(id, out var v) ? v.Rank : null,
                VectorScore = vectorRanks.TryGetValue(id, out v) ? v.Score : null,
                FusedRank = fusedHit.Rank,
                FusedScore = fusedHit.Score,
                MmrRank = mmrRanks is not null && mmrRanks.TryGetValue(id, out var mm) ? mm.Rank : null,
                RerankRank = reranked?.Rank,
                RerankScore = reranked?.Score,
            });
        }

        return results;
    }

    private static Dictionary<string, (int Rank, double Score)> RankMap(IReadOnlyList<SearchHit> hits)
    {
        var map = new Dictionary<string, (int Rank, double Score)>(hits.Count, StringComparer.Ordinal);
        for (int i = 0; i < hits.Count; i++)
        {
            map.TryAdd(hits[i].Id, (i + 1, hits[i].Score));
        }

        return map;
    }

    private async Task<Dictionary<string, (int Rank, double Score)>?> RerankAsync(
        string query, List<string> order, IReadOnlyDictionary<string, StoredChunk> stored, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var passages = new List<string>();
        foreach (string id in order)
        {
            if (ids.Count == _options.RerankDepth)
            {
                break;
            }

            if (stored.TryGetValue(id, out var chunk))
            {
                ids.Add(id);
                passages.Add(chunk.Text);
            }
        }

        IReadOnlyList<double> scores;
        try
        {
            scores = await _reranker!.ScoreAsync(query, passages, cancellationToken).ConfigureAwait(false);
            if (scores.Count != passages.Count)
            {
                throw new InvalidOperationException($"The reranker returned {scores.Count} scores for {passages.Count} passages.");
            }
        }
        catch (Exception ex) when (_options.FallBackOnRerankFailure && ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Reranking failed; returning the fused order.");
            return null;
        }

        // Stable: equal rerank scores keep the order fusion gave them.
        var ranked = Enumerable.Range(0, ids.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
        var map = new Dictionary<string, (int Rank, double Score)>(StringComparer.Ordinal);
        for (int r = 0; r < ranked.Length; r++)
        {
            map[ids[ranked[r]]] = (r + 1, scores[ranked[r]]);
        }

        return map;
    }
}
