using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Persistence;
using LlmKit.Rag.Vectors;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LlmKit.Rag.Tests.Persistence;

public sealed class RetrievalSnapshotTests : IDisposable
{
    private static readonly IngestionDocument[] Documents =
    [
        new("wing", "Propeller slipstream over a wing changes its lift.", new DocumentMetadata { Tenant = "acme", AccessLevel = 1, Date = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.FromHours(2)), Tags = new Dictionary<string, string> { ["kind"] = "note" } }),
        new("heat", "Heat transfer in hypersonic flow near a blunt body."),
        new("shock", "Shock waves and boundary layer interaction."),
    ];

    private readonly string _folder = Directory.CreateTempSubdirectory("llmkit-snapshot-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_restart_from_the_snapshot_embeds_nothing_and_searches_the_same()
    {
        string path = Path.Combine(_folder, "retrieval.snapshot");
        var (first, firstRetriever, firstEmbedder) = Build(null);
        await first.SynchronizeAsync(Documents);
        await first.SaveSnapshotAsync(path);
        var before = await firstRetriever.SearchAsync("slipstream lift", 3);

        var loaded = RetrievalSnapshot.Load(path, RetrievalSnapshot.EmbedderIdOf(firstEmbedder.GetService<EmbeddingGeneratorMetadata>()));
        var (second, secondRetriever, secondEmbedder) = Build(loaded);
        var report = await second.SynchronizeAsync(Documents);
        var after = await secondRetriever.SearchAsync("slipstream lift", 3);

        Assert.Equal(Documents.Length, report.CountOf(IngestionStatus.Unchanged));
        Assert.Equal(1, secondEmbedder.Calls); // the query only: no document was embedded again
        Assert.Equal(before.Select(r => (r.Id, r.Score)), after.Select(r => (r.Id, r.Score)));
        var restored = after.Single(r => r.Id == "wing#0").Metadata!;
        Assert.Equal((Documents[0].Metadata!.Tenant, Documents[0].Metadata!.AccessLevel, Documents[0].Metadata!.Date), (restored.Tenant, restored.AccessLevel, restored.Date));
        Assert.Equal("note", after.Single(r => r.Id == "wing#0").Metadata!.Tags["kind"]);
    }

    [Fact]
    public async Task A_truncated_or_foreign_file_or_another_embedder_is_refused_with_a_clear_error()
    {
        string path = Path.Combine(_folder, "retrieval.snapshot");
        var (pipeline, _, embedder) = Build(null);
        await pipeline.SynchronizeAsync(Documents);
        await pipeline.SaveSnapshotAsync(path);
        string id = RetrievalSnapshot.EmbedderIdOf(embedder.GetService<EmbeddingGeneratorMetadata>());

        string truncated = Path.Combine(_folder, "truncated.snapshot");
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 2 / 3)]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => RetrievalSnapshot.Load(truncated, id)).Message, StringComparison.Ordinal);

        string foreign = Path.Combine(_folder, "foreign.snapshot");
        await File.WriteAllTextAsync(foreign, "{\"not\": \"a snapshot\"}");
        Assert.Contains("does not hold", Assert.Throws<InvalidDataException>(() => RetrievalSnapshot.Load(foreign, id)).Message, StringComparison.Ordinal);

        Assert.Contains("embedded with", Assert.Throws<InvalidDataException>(() => RetrievalSnapshot.Load(path, "onnx/other-model/384")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddRetrieval_with_a_snapshot_path_starts_from_the_saved_indexes()
    {
        string path = Path.Combine(_folder, "retrieval.snapshot");
        using (var host = await StartAsync(path))
        {
            await host.Services.GetRequiredService<IngestionPipeline>().SynchronizeAsync(Documents);
            await host.Services.GetRequiredService<IngestionPipeline>().SaveSnapshotAsync(path);
        }

        using var restarted = await StartAsync(path);
        Assert.Equal(3, restarted.Services.GetRequiredService<ChunkStore>().Count);
        var results = await restarted.Services.GetRequiredService<HybridRetriever>().SearchAsync("hypersonic", 1);
        Assert.Equal("heat#0", Assert.Single(results).Id);
        var report = await restarted.Services.GetRequiredService<IngestionPipeline>().SynchronizeAsync(Documents);
        Assert.Equal(3, report.CountOf(IngestionStatus.Unchanged));
    }

    private static async Task<IHost> StartAsync(string snapshot)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ITokenCounter, WordPieceCounter>();
        builder.Services.AddLlmKit().AddRetrieval(o => o.SnapshotPath = snapshot);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static (IngestionPipeline Pipeline, HybridRetriever Retriever, CountingEmbeddingGenerator Embedder) Build(LoadedRetrieval? loaded)
    {
        var embedder = new CountingEmbeddingGenerator(new HashingEmbeddingGenerator());
        var keyword = loaded?.Keyword ?? new Bm25Index();
        var vectors = loaded?.Vectors ?? new VectorIndex(HashingEmbeddingConstants.DefaultDimensions);
        var chunks = loaded?.Chunks ?? new ChunkStore();
        var pipeline = new IngestionPipeline(new RecursiveChunker(new WordPieceCounter()), embedder, keyword, vectors, chunks, state: loaded?.State);
        return (pipeline, new HybridRetriever(keyword, vectors, embedder, chunks: chunks), embedder);
    }
}
