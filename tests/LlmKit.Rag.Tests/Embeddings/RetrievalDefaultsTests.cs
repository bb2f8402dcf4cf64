using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Evaluation;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Vectors;
using LlmKit.Tests.Shared;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LlmKit.Rag.Tests.Embeddings;

public class RetrievalDefaultsTests
{
    [Fact]
    public async Task AddRetrieval_sizes_the_vector_index_from_the_registered_embedder()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ITokenCounter, WordPieceCounter>();
        builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { Dimensions = 384 }));
        builder.Services.AddLlmKit().AddRetrieval();
        using var host = builder.Build();
        await host.StartAsync();

        var report = await host.Services.GetRequiredService<IngestionPipeline>().IngestAsync([new IngestionDocument("a", "a wing in a slipstream")]);

        Assert.Equal(384, host.Services.GetRequiredService<VectorIndex>().Dimensions);
        Assert.Equal(1, report.CountOf(IngestionStatus.Added));
    }

    [Fact]
    public async Task The_hashing_embedder_learns_document_frequencies_as_chunks_arrive_and_leave()
    {
        var embedder = new HashingEmbeddingGenerator();
        using var keyword = new Bm25Index();
        using var vectors = new VectorIndex(embedder.Metadata.DefaultModelDimensions!.Value);
        using var pipeline = new IngestionPipeline(new RecursiveChunker(new WordPieceCounter()), embedder, keyword, vectors, new ChunkStore());

        await pipeline.IngestAsync([new IngestionDocument("a", "common rare"), new IngestionDocument("b", "common words")]);
        Assert.Equal(2, embedder.Statistics.DocumentCount);
        var common = embedder.EmbedQuery("common");
        var rare = embedder.EmbedQuery("rare");

        // A query of a common and a rare word leans towards the rare one: idf weights the query side (lnc.ltc).
        var both = embedder.EmbedQuery("common rare");
        Assert.True(Dot(both, rare) > Dot(both, common), "the rare word should weigh more than the common one");

        await pipeline.DeleteAsync("b");
        Assert.Equal(1, embedder.Statistics.DocumentCount);
        await pipeline.IngestAsync([new IngestionDocument("a", "changed text entirely")]);
        Assert.Equal(1, embedder.Statistics.DocumentCount);
    }

    [Fact]
    public async Task The_default_hybrid_is_not_worse_than_bm25_alone_on_cranfield()
    {
        var collection = CranfieldCollection.Load(TestData.PathOf("cranfield"));
        var docs = collection.Documents.Select(d => (d.Id, Text: d.Title + "\n" + d.Text)).ToList();
        using var bm25 = new Bm25Index();
        bm25.AddRange(docs);
        var embedder = new HashingEmbeddingGenerator();
        using var vectors = new VectorIndex(embedder.Metadata.DefaultModelDimensions!.Value);
        foreach (var (id, text) in docs)
        {
            float[] vector = embedder.Embed(text);
            embedder.Statistics.Add(vector);
            vectors.Upsert(id, vector);
        }

        var hybrid = new HybridRetriever(bm25, vectors, embedder);
        var bm25Report = RetrievalEvaluator.Evaluate(collection.Queries, collection.Qrels, q => bm25.Search(q, 100).Select(h => h.Id).ToList());
        var hybridReport = await RetrievalEvaluator.EvaluateAsync(collection.Queries, collection.Qrels, async (q, ct) => (await hybrid.SearchAsync(q, 100, cancellationToken: ct)).Select(r => r.Id).ToList());

        Assert.True(hybridReport.Ndcg[10] >= bm25Report.Ndcg[10], $"hybrid nDCG@10 {hybridReport.Ndcg[10]:F4} < BM25 {bm25Report.Ndcg[10]:F4}");
    }

    private static double Dot(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
}
