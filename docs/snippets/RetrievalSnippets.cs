using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Vectors;
using LlmKit.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

public static class RetrievalSnippets
{
    public static IReadOnlyList<TextChunk> Chunk()
    {
        #region retrieval-chunk
        const string markdown = """
            # Returns
            ## Refunds
            Refunds are paid within 14 days to the original payment method.
            ## Exchanges
            Exchanges are free for 30 days.
            """;

        var chunker = new MarkdownChunker(TiktokenEncoding.O200kBase, new ChunkerOptions { MaxTokens = 256 });
        foreach (TextChunk chunk in chunker.Chunk(markdown))
        {
            // Exact offsets into the source, the heading path, and the token count under the model's tokenizer.
            Console.WriteLine($"[{chunk.Start}..{chunk.End}) {string.Join(" > ", chunk.HeadingPath)}: {chunk.TokenCount} tokens");
            System.Diagnostics.Debug.Assert(markdown.Substring(chunk.Start, chunk.Length) == chunk.Text);
        }
        #endregion
        return chunker.Chunk(markdown);
    }

    public static async Task<(IngestionReport First, IngestionReport Second, IReadOnlyList<RetrievalResult> Results)> Hybrid()
    {
        #region retrieval-hybrid
        var embedder = new HashingEmbeddingGenerator();          // offline; swap in any IEmbeddingGenerator
        using var keyword = new Bm25Index();
        using var vectors = new VectorIndex(embedder.Metadata.DefaultModelDimensions!.Value);   // the embedder's size (4,096)
        var chunks = new ChunkStore();
        using var ingestion = new IngestionPipeline(
            new RecursiveChunker(TiktokenEncoding.O200kBase), embedder, keyword, vectors, chunks);

        IngestionDocument[] docs =
        [
            new("refunds", "Refunds are paid within 14 days to the original payment method.", new DocumentMetadata { Tenant = "acme" }),
            new("shipping", "Orders ship within two working days; express delivery costs extra.", new DocumentMetadata { Tenant = "acme" }),
            new("secret", "Refund fraud handbook for the risk team.", new DocumentMetadata { Tenant = "acme", AccessLevel = 3 }),
        ];
        IngestionReport first = await ingestion.IngestAsync(docs);   // Added ×3
        IngestionReport second = await ingestion.IngestAsync(docs);  // Unchanged ×3: content hashes match, nothing re-embedded

        var retriever = new HybridRetriever(keyword, vectors, embedder,
            new HybridRetrieverOptions { Fusion = FusionMethod.ReciprocalRank, UseMmr = true }, chunks);
        var results = await retriever.SearchAsync("how long do refunds take", top: 2,
            filter: new MetadataFilter { Tenant = "acme", MaxAccessLevel = 1 });   // applied before ranking

        foreach (var r in results)
        {
            Console.WriteLine($"#{r.Rank} {r.Id} bm25 rank {r.KeywordRank} vector rank {r.VectorRank}: {r.Text}");
        }
        #endregion
        return (first, second, results);
    }

    public static IReadOnlyList<RetrievalResult> FromDependencyInjection()
    {
        #region retrieval-di
        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddTokenCounting()                        // the default RecursiveChunker counts with it
            .AddRetrieval(o =>
            {
                o.ChunkMaxTokens = 384;
                o.Hybrid.CandidateDepth = 100;
                o.Ingestion.BatchSize = 64;
            });
        using var app = services.BuildServiceProvider();

        var ingestion = app.GetRequiredService<IngestionPipeline>();
        var retriever = app.GetRequiredService<HybridRetriever>();
        ingestion.IngestAsync([new IngestionDocument("faq", "Passwords reset from the sign-in page.")]).GetAwaiter().GetResult();
        var hits = retriever.SearchAsync("reset password").GetAwaiter().GetResult();
        #endregion
        return hits;
    }
}
