using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Hybrid;

/// <summary>
/// One hybrid search result, with the rank (from 1) and score it had at every stage, so a surprising result can be
/// explained: which retriever found it, where fusion put it, and what MMR and the reranker did.
/// </summary>
public sealed record RetrievalResult
{
    /// <summary>Gets the chunk id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the final rank, from 1.</summary>
    public required int Rank { get; init; }

    /// <summary>Gets the score the final order is based on (rerank score when reranked, otherwise the fused score).</summary>
    public required double Score { get; init; }

    /// <summary>Gets the chunk text, when the retriever has a <see cref="Ingestion.ChunkStore"/>.</summary>
    public string? Text { get; init; }

    /// <summary>Gets the chunk's metadata, when known.</summary>
    public DocumentMetadata? Metadata { get; init; }

    /// <summary>Gets the rank in the keyword (BM25) results, or <see langword="null"/> when the keyword search did not return it.</summary>
    public int? KeywordRank { get; init; }

    /// <summary>Gets the BM25 score.</summary>
    public double? KeywordScore { get; init; }

    /// <summary>Gets the rank in the vector results, or <see langword="null"/> when the vector search did not return it.</summary>
    public int? VectorRank { get; init; }

    /// <summary>Gets the vector similarity.</summary>
    public double? VectorScore { get; init; }

    /// <summary>Gets the rank after fusion.</summary>
    public int FusedRank { get; init; }

    /// <summary>Gets the fused score.</summary>
    public double FusedScore { get; init; }

    /// <summary>Gets the rank MMR chose it at, or <see langword="null"/> when MMR did not run.</summary>
    public int? MmrRank { get; init; }

    /// <summary>Gets the rank given by the reranker, or <see langword="null"/> when it was not reranked.</summary>
    public int? RerankRank { get; init; }

    /// <summary>Gets the reranker's relevance score.</summary>
    public double? RerankScore { get; init; }
}
