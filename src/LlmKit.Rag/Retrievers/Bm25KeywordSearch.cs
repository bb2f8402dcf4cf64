using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Retrievers;

/// <summary>
/// <see cref="IKeywordSearch"/> over the in-process <see cref="Bm25Index"/>; metadata filters are resolved through the
/// <see cref="ChunkStore"/> the ingestion pipeline fills and applied inside the search, before ranking.
/// </summary>
/// <param name="index">The BM25 index.</param>
/// <param name="chunks">The chunk store holding each chunk's metadata; <see langword="null"/> when searches are never filtered.</param>
public sealed class Bm25KeywordSearch(Bm25Index index, ChunkStore? chunks = null) : IKeywordSearch
{
    private readonly Bm25Index _index = index ?? throw new ArgumentNullException(nameof(index));

    /// <inheritdoc />
    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int top, MetadataFilter? filter = null, CancellationToken cancellationToken = default)
    {
        if (filter is not null && chunks is null)
        {
            throw new InvalidOperationException("A filtered keyword search needs the chunks' metadata: create Bm25KeywordSearch with the ChunkStore.");
        }

        Func<string, bool>? allowed = filter is null ? null : id => chunks!.TryGet(id, out var chunk) && filter.Matches(chunk.Metadata);
        return Task.FromResult(_index.Search(query, top, allowed));
    }
}
