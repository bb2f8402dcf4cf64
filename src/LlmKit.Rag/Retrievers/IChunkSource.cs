using LlmKit.Rag.Ingestion;

namespace LlmKit.Rag.Retrievers;

/// <summary>
/// Where a <see cref="Hybrid.HybridRetriever"/> reads the text and metadata of the chunks it returns (and hands to a
/// reranker): the in-process <see cref="ChunkStore"/> or the PostgreSQL retrieval store.
/// </summary>
public interface IChunkSource
{
    /// <summary>Returns the stored chunks among <paramref name="chunkIds"/>; ids it does not hold are left out.</summary>
    /// <param name="chunkIds">The chunk ids.</param>
    /// <param name="cancellationToken">A token to cancel the lookup.</param>
    /// <returns>The chunks by id.</returns>
    Task<IReadOnlyDictionary<string, StoredChunk>> GetChunksAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default);
}
