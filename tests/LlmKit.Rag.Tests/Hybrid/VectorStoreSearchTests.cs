using System.Linq.Expressions;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Retrievers;
using LlmKit.Rag.Vectors;
using Microsoft.Extensions.VectorData;

namespace LlmKit.Rag.Tests.Hybrid;

/// <summary>
/// HybridRetriever over a Microsoft.Extensions.VectorData collection: an in-memory <see cref="IVectorSearchable{TRecord}"/>
/// written here (exact cosine search, the connector's filter expression applied before ranking), as Qdrant or Azure AI
/// Search would be plugged in.
/// </summary>
public sealed class VectorStoreSearchTests : IDisposable
{
    private readonly Bm25Index _keyword = new();
    private readonly HashingEmbeddingGenerator _embedder = new();
    private readonly VectorIndex _vectors = new(HashingEmbeddingConstants.DefaultDimensions);
    private readonly ChunkStore _chunks = new();
    private readonly InMemoryCollection _collection = new();

    public VectorStoreSearchTests()
    {
        Add("wing", "experimental investigation of the aerodynamics of a wing in a slipstream", "acme", 0);
        Add("shock", "shock waves at supersonic speed over a flat plate", "acme", 0);
        Add("boundary", "laminar boundary layer transition on a flat plate", "acme", 2);
        Add("heat", "heat transfer in hypersonic flow over blunt bodies", "globex", 0);
        Add("slipstream", "propeller slipstream effects on wing lift", "globex", 0);
    }

    public void Dispose()
    {
        _keyword.Dispose();
        _vectors.Dispose();
    }

    [Fact]
    public async Task A_VectorData_collection_ranks_the_same_as_the_in_process_vector_index()
    {
        var inProcess = new HybridRetriever(new Bm25KeywordSearch(_keyword, _chunks), _vectors, _embedder, chunks: _chunks);
        var viaVectorData = new HybridRetriever(new Bm25KeywordSearch(_keyword, _chunks), new VectorStoreSearch<Record>(_collection, r => r.ChunkId), _embedder, chunks: _chunks);

        var expected = await inProcess.SearchAsync("wing slipstream flat plate", top: 5);
        var actual = await viaVectorData.SearchAsync("wing slipstream flat plate", top: 5);

        Assert.Equal(5, actual.Count);
        Assert.Equal(expected.Select(r => (r.Id, r.KeywordRank, r.VectorRank)), actual.Select(r => (r.Id, r.KeywordRank, r.VectorRank)));
        Assert.Equal(expected.Select(r => r.Text), actual.Select(r => r.Text));
        Assert.All(actual.Where(r => r.VectorRank is not null), r => Assert.NotNull(r.VectorScore));
    }

    [Fact]
    public async Task A_metadata_filter_reaches_the_collection_as_its_own_filter_expression()
    {
        var search = new VectorStoreSearch<Record>(
            _collection,
            r => r.ChunkId,
            filter => r => r.Tenant == filter.Tenant && r.AccessLevel <= (filter.MaxAccessLevel ?? int.MaxValue));
        var retriever = new HybridRetriever(new Bm25KeywordSearch(_keyword, _chunks), search, _embedder, chunks: _chunks);

        var results = await retriever.SearchAsync("flat plate wing", top: 10, filter: new MetadataFilter { Tenant = "acme", MaxAccessLevel = 1 });

        Assert.Equal(["shock", "wing"], results.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.NotNull(_collection.LastFilter);
        Assert.Equal(2, _collection.LastReturned); // filtered in the collection before top-k, not after
    }

    [Fact]
    public async Task A_filtered_search_without_a_translator_is_refused_rather_than_post_filtered()
    {
        var search = new VectorStoreSearch<Record>(_collection, r => r.ChunkId);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => search.SearchAsync(_embedder.EmbedQuery("wing"), 3, new MetadataFilter { Tenant = "acme" }));

        Assert.Contains("filter translator", error.Message, StringComparison.Ordinal);
        Assert.Null(_collection.LastFilter);
    }

    [Fact]
    public async Task Mmr_gets_the_vectors_of_the_collection_results()
    {
        var search = new VectorStoreSearch<Record>(_collection, r => r.ChunkId, vectorOf: r => r.Vector);

        var hits = await search.SearchAsync(_embedder.EmbedQuery("wing slipstream"), 2);
        var vectors = await search.GetVectorsAsync(hits.Select(h => h.Id).ToList());

        Assert.Equal(hits.Select(h => h.Id).Order(StringComparer.Ordinal), vectors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(_collection.Records.Single(r => r.ChunkId == hits[0].Id).Vector.ToArray(), vectors[hits[0].Id].ToArray());
    }

    private void Add(string id, string text, string tenant, int level)
    {
        var metadata = new DocumentMetadata { Tenant = tenant, AccessLevel = level };
        float[] vector = _embedder.Embed(text);
        _keyword.Add(id, text);
        _vectors.Upsert(id, vector, metadata);
        _chunks.Set(new StoredChunk(id, id, text, 0, text.Length, [], metadata));
        _collection.Records.Add(new Record(id, tenant, level, vector));
    }

    private sealed record Record(string ChunkId, string Tenant, int AccessLevel, ReadOnlyMemory<float> Vector);

    // A VectorData connector in miniature: exact cosine similarity, the filter applied before the top-k is taken.
    private sealed class InMemoryCollection : IVectorSearchable<Record>
    {
        public List<Record> Records { get; } = [];

        public Expression<Func<Record, bool>>? LastFilter { get; private set; }

        public int LastReturned { get; private set; }

        public async IAsyncEnumerable<VectorSearchResult<Record>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<Record>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
            where TInput : notnull
        {
            var query = searchValue switch
            {
                ReadOnlyMemory<float> memory => memory,
                float[] array => array,
                _ => throw new NotSupportedException($"Search input {typeof(TInput)} is not supported."),
            };
            LastFilter = options?.Filter;
            var matches = options?.Filter is { } filter ? Records.Where(filter.Compile()) : Records;
            var ranked = matches
                .Select(r => new VectorSearchResult<Record>(r, TensorPrimitives.CosineSimilarity(query.Span, r.Vector.Span)))
                .OrderByDescending(r => r.Score).Take(top).ToList();
            LastReturned = ranked.Count;
            foreach (var result in ranked)
            {
                await Task.Yield();
                yield return result;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
    }
}
