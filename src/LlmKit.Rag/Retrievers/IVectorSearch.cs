using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Retrievers;

/// <summary>
/// The vector side of a <see cref="Hybrid.HybridRetriever"/>: nearest-neighbour search over chunk embeddings.
/// Implemented by the in-process <see cref="VectorIndex"/>, by <see cref="VectorStoreSearch{TRecord}"/> over any
/// <c>Microsoft.Extensions.VectorData</c> collection (Qdrant, Azure AI Search, …) and by the PostgreSQL retrieval store.
/// </summary>
public interface IVectorSearch
{
    /// <summary>Returns the <paramref name="top"/> chunks most similar to <paramref name="query"/>, best first.</summary>
    /// <param name="query">The query embedding.</param>
    /// <param name="top">How many results at most.</param>
    /// <param name="filter">Applied before ranking, as for <see cref="IKeywordSearch.SearchAsync"/>.</param>
    /// <param name="cancellationToken">A token to cancel the search.</param>
    /// <returns>The hits (id and similarity, higher is better).</returns>
    Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<float> query, int top, MetadataFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>Returns the stored embeddings of <paramref name="ids"/> (for MMR); ids it cannot return are left out.</summary>
    /// <param name="ids">The chunk ids.</param>
    /// <param name="cancellationToken">A token to cancel the lookup.</param>
    /// <returns>The vectors by id.</returns>
    Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetVectorsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);
}
