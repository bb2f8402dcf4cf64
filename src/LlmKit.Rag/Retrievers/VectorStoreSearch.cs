using System.Linq.Expressions;
using LlmKit.Rag.Vectors;
using Microsoft.Extensions.VectorData;

namespace LlmKit.Rag.Retrievers;

/// <summary>
/// <see cref="IVectorSearch"/> over any <c>Microsoft.Extensions.VectorData</c> collection (<see cref="IVectorSearchable{TRecord}"/>:
/// Qdrant, Azure AI Search, Redis, pgvector and the other connectors), so a <see cref="Hybrid.HybridRetriever"/> fuses
/// BM25 with a vector database it does not host.
/// </summary>
/// <typeparam name="TRecord">The collection's record type.</typeparam>
/// <remarks>
/// A <see cref="MetadataFilter"/> is turned into the connector's own filter by <c>filterTranslator</c> and applied by the
/// database before ranking. Without a translator a filtered search is refused rather than post-filtered: a post-filter
/// would return a short list and could not be trusted to keep other tenants' chunks out.
/// </remarks>
/// <param name="collection">The collection to search.</param>
/// <param name="chunkId">Returns the chunk id of a record (the id the keyword side returns for the same chunk).</param>
/// <param name="filterTranslator">Turns a metadata filter into the connector's filter expression; <see langword="null"/> when searches are never filtered.</param>
/// <param name="vectorOf">Returns a record's embedding (for MMR); <see langword="null"/> when MMR is not used.</param>
public sealed class VectorStoreSearch<TRecord>(
    IVectorSearchable<TRecord> collection,
    Func<TRecord, string> chunkId,
    Func<MetadataFilter, Expression<Func<TRecord, bool>>>? filterTranslator = null,
    Func<TRecord, ReadOnlyMemory<float>>? vectorOf = null) : IVectorSearch
    where TRecord : class
{
    private readonly IVectorSearchable<TRecord> _collection = collection ?? throw new ArgumentNullException(nameof(collection));
    private readonly Func<TRecord, string> _chunkId = chunkId ?? throw new ArgumentNullException(nameof(chunkId));
    private readonly Dictionary<string, ReadOnlyMemory<float>> _lastVectors = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<float> query, int top, MetadataFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var options = new VectorSearchOptions<TRecord> { IncludeVectors = vectorOf is not null };
        if (filter is not null)
        {
            options.Filter = filterTranslator?.Invoke(filter)
                ?? throw new InvalidOperationException("A filtered vector search needs a filter translator: pass one that turns a MetadataFilter into the connector's filter expression.");
        }

        var hits = new List<SearchHit>(top);
        var vectors = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        await foreach (var result in _collection.SearchAsync(query, top, options, cancellationToken).ConfigureAwait(false))
        {
            string id = _chunkId(result.Record);
            hits.Add(new SearchHit(id, (float)(result.Score ?? 0)));
            if (vectorOf is not null)
            {
                vectors[id] = vectorOf(result.Record);
            }
        }

        lock (_gate)
        {
            // The vectors of the latest results serve MMR, which only ever asks about candidates just returned; the cache
            // is bounded so a long-lived retriever does not hold every vector it ever saw.
            if (_lastVectors.Count + vectors.Count > 4 * Math.Max(top, 1024))
            {
                _lastVectors.Clear();
            }

            foreach (var (id, vector) in vectors)
            {
                _lastVectors[id] = vector;
            }
        }

        return hits;
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetVectorsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var found = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (string id in ids)
            {
                if (_lastVectors.TryGetValue(id, out var vector))
                {
                    found[id] = vector;
                }
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, ReadOnlyMemory<float>>>(found);
    }
}
