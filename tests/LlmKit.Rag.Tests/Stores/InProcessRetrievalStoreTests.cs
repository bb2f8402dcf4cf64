using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Retrievers;
using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Tests.Stores;

/// <summary>The retrieval store contract on the in-process indexes.</summary>
public sealed class InProcessRetrievalStoreTests : RetrievalStoreContract
{
    protected override Task<RetrievalStoreUnderTest> OpenStoreAsync()
    {
        var keyword = new Bm25Index();
        var vectors = new VectorIndex(Dimensions);
        var chunks = new ChunkStore();
        var store = new InProcessIngestionStore(keyword, vectors, chunks);
        return Task.FromResult(new RetrievalStoreUnderTest(store, new Bm25KeywordSearch(keyword, chunks), vectors, chunks, () =>
        {
            keyword.Dispose();
            vectors.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}
