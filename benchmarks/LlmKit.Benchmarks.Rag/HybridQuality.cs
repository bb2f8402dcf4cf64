using LlmKit.Embeddings.Onnx;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Evaluation;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Vectors;
using LlmKit.Tests.Shared;
using Microsoft.Extensions.AI;

namespace LlmKit.Benchmarks.Rag;

/// <summary>
/// Issue 16's measurement on Cranfield, in one run: BM25, all-MiniLM-L6-v2 vectors, the hashing embedder with the new
/// defaults (4,096-d, idf learnt during ingestion, lnc.ltc), and each hybrid with HybridRetriever's default fusion and
/// with weighted fusion; nDCG@10, Recall@100, MRR@10; and the ONNX embedder's documents per second. MiniLM document
/// vectors are cached under the system temp folder, so reruns skip the slow part.
/// </summary>
internal static class HybridQuality
{
    public static async Task RunAsync()
    {
        var collection = CranfieldCollection.Load(TestData.PathOf("cranfield"));
        var docs = collection.Documents.Select(d => (d.Id, Text: d.Title + "\n" + d.Text)).ToList();
        Console.WriteLine($"\n## Hybrid quality: Cranfield ({docs.Count} docs, {collection.Qrels.QueryIds.Count} judged queries; title + abstract)");

        using var bm25 = new Bm25Index();
        bm25.AddRange(docs);

        // The hashing embedder as AddRetrieval() now wires it: defaults, corpus statistics learnt while indexing.
        var hashing = new HashingEmbeddingGenerator();
        using var hashingIndex = new VectorIndex(hashing.Metadata.DefaultModelDimensions!.Value);
        foreach (var (id, text) in docs)
        {
            float[] vector = hashing.Embed(text);
            hashing.Statistics.Add(vector);
            hashingIndex.Upsert(id, vector);
        }

        using var minilm = new OnnxEmbeddingGenerator(new OnnxEmbeddingGeneratorOptions { ModelDirectory = MiniLmModel.Directory, IntraOpThreads = 1 });
        using var minilmIndex = new VectorIndex(minilm.Dimensions);
        foreach (var (id, vector) in await CranfieldMiniLmVectors.GetAsync(minilm, docs))
        {
            minilmIndex.Upsert(id, vector);
        }

        var rows = new List<(string Name, EvaluationReport Report)>
        {
            ("BM25 (Bm25Index defaults)", Evaluate(collection, q => Task.FromResult<IReadOnlyList<string>>(bm25.Search(q, 100).Select(h => h.Id).ToList()))),
            ("all-MiniLM-L6-v2 vectors alone", Evaluate(collection, async q => minilmIndex.Search((await minilm.GenerateAsync([q]))[0].Vector.Span, 100).Select(h => h.Id).ToList())),
            ("hashing vectors alone, new defaults (4096-d, lnc.ltc)", Evaluate(collection, q => Task.FromResult<IReadOnlyList<string>>(hashingIndex.Search(hashing.EmbedQuery(q), 100).Select(h => h.Id).ToList()))),
        };

        foreach (var (embedderName, embedder, index) in new (string, IEmbeddingGenerator<string, Embedding<float>>, VectorIndex)[]
        {
            ("hashing (new defaults)", hashing, hashingIndex),
            ("all-MiniLM-L6-v2", minilm, minilmIndex),
        })
        {
            foreach (var (fusionName, options) in new (string, HybridRetrieverOptions)[]
            {
                ("default fusion (RRF k=60, depth 50)", new HybridRetrieverOptions()),
                ("weighted 0.7/0.3", new HybridRetrieverOptions { Fusion = FusionMethod.WeightedScore, KeywordWeight = 0.7, VectorWeight = 0.3 }),
                ("weighted 0.5/0.5", new HybridRetrieverOptions { Fusion = FusionMethod.WeightedScore }),
            })
            {
                var hybrid = new HybridRetriever(bm25, index, embedder, options);
                rows.Add(($"hybrid BM25 + {embedderName}, {fusionName}", Evaluate(collection, async q => (await hybrid.SearchAsync(q, 100)).Select(r => r.Id).ToList())));
            }
        }

        double bm25Ndcg = rows[0].Report.Ndcg[10];
        Console.WriteLine("| system | nDCG@10 | Δ vs BM25 | Recall@100 | MRR@10 |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var (name, r) in rows)
        {
            Console.WriteLine($"| {name} | {r.Ndcg[10]:F4} | {r.Ndcg[10] - bm25Ndcg:+0.0000;-0.0000;0} | {r.Recall[100]:F4} | {r.MrrAt[10]:F4} |");
        }
    }

    private static EvaluationReport Evaluate(EvaluationCollection collection, Func<string, Task<IReadOnlyList<string>>> search) =>
        RetrievalEvaluator.EvaluateAsync(collection.Queries, collection.Qrels, (string q, CancellationToken _) => search(q), [10, 100]).GetAwaiter().GetResult();

}
