using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Retrievers;

/// <summary>
/// The keyword side of a <see cref="Hybrid.HybridRetriever"/>: full-text search that returns ranked chunk ids.
/// Implemented by <see cref="Bm25KeywordSearch"/> (the in-process <see cref="Keyword.Bm25Index"/>) and by the PostgreSQL
/// retrieval store.
/// </summary>
public interface IKeywordSearch
{
    /// <summary>Returns the best <paramref name="top"/> chunks for <paramref name="query"/>, best first.</summary>
    /// <param name="query">The query text.</param>
    /// <param name="top">How many results at most.</param>
    /// <param name="filter">
    /// Applied before ranking, so a filtered search still returns up to <paramref name="top"/> allowed chunks; a chunk
    /// whose metadata is unknown is excluded when a filter is given.
    /// </param>
    /// <param name="cancellationToken">A token to cancel the search.</param>
    /// <returns>The hits (id and score, higher is better).</returns>
    Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, MetadataFilter? filter = null, CancellationToken cancellationToken = default);
}
