using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Retrievers;
using LlmKit.Rag.Vectors;
using LlmKit.Tests.Servers;

namespace LlmKit.Rag.Tests.Stores;

/// <summary>The four faces of one retrieval store, as a test opens it.</summary>
public sealed record RetrievalStoreUnderTest(IIngestionStore Ingestion, IKeywordSearch Keyword, IVectorSearch Vectors, IChunkSource Chunks, Func<ValueTask> Close) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Close();
}

/// <summary>
/// What every retrieval store must do, run against each one (the in-process indexes, PostgreSQL): filters applied before
/// ranking so a filtered query still returns a full top-k, ingestion diffed by content hash and committed per batch,
/// deletes, and hybrid results that carry each retriever's rank and score.
/// </summary>
public abstract class RetrievalStoreContract : IAsyncLifetime
{
    protected const int Dimensions = 256;

    private RetrievalStoreUnderTest? _store;

    protected CountingEmbeddingGenerator Embedder { get; } = new(new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { Dimensions = Dimensions }));

    protected RetrievalStoreUnderTest Store => _store ?? throw new InvalidOperationException("The store is not open.");

    public async Task InitializeAsync()
    {
        if (!SkipStore)
        {
            _store = await OpenStoreAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    /// <summary>Opens an empty store holding <see cref="Dimensions"/>-dimension vectors.</summary>
    protected abstract Task<RetrievalStoreUnderTest> OpenStoreAsync();

    /// <summary>Gets whether the store cannot be opened here (its tests are being skipped).</summary>
    protected virtual bool SkipStore => false;

    protected IngestionPipeline Pipeline(int maxTokens = 12, int batchSize = 2) =>
        new(new RecursiveChunker(new WordPieceCounter(), new ChunkerOptions { MaxTokens = maxTokens }), Embedder, Store.Ingestion, new IngestionOptions { BatchSize = batchSize });

    protected HybridRetriever Retriever(HybridRetrieverOptions? options = null) => new(Store.Keyword, Store.Vectors, Embedder, options, Store.Chunks);

    protected static List<IngestionDocument> Documents(int count, string version = "v1") =>
        Enumerable.Range(0, count).Select(i => new IngestionDocument($"doc{i}", $"Document {i} {version}. It talks about topic{i} at length.\n\nA second paragraph about wing{i} and lift.")).ToList();

    protected async Task<List<string>> KeywordIdsAsync(string query, int top = 100, MetadataFilter? filter = null) =>
        (await Store.Keyword.SearchAsync(query, top, filter)).Select(h => h.Id).ToList();

    protected async Task<List<string>> VectorIdsAsync(string query, int top = 100, MetadataFilter? filter = null) =>
        (await Store.Vectors.SearchAsync((await Embedder.GenerateAsync([query], EmbeddingPurpose.Options(EmbeddingPurpose.Query)))[0].Vector, top, filter)).Select(h => h.Id).ToList();

    /// <summary>Every chunk a document's stored record lists can be read, and both search sides know it.</summary>
    protected async Task AssertSidesAgreeAsync(IngestionPipeline pipeline)
    {
        var documents = await Store.Ingestion.GetDocumentsAsync(await pipeline.GetDocumentIdsAsync());
        var chunkIds = documents.Values.SelectMany(d => d.ChunkIds).Order(StringComparer.Ordinal).ToList();
        var chunks = await Store.Chunks.GetChunksAsync(chunkIds);
        var vectors = await Store.Vectors.GetVectorsAsync(chunkIds);
        Assert.Equal(chunkIds, chunks.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(chunkIds, vectors.Keys.Order(StringComparer.Ordinal));
    }

    [ContractFact]
    public async Task Rerunning_unchanged_input_makes_no_embedding_calls()
    {
        using var pipeline = Pipeline();
        var first = await pipeline.IngestAsync(Documents(5));
        int calls = Embedder.Calls;

        var second = await pipeline.IngestAsync(Documents(5));

        Assert.Equal(5, first.CountOf(IngestionStatus.Added));
        Assert.Equal(5, second.CountOf(IngestionStatus.Unchanged));
        Assert.Equal(calls, Embedder.Calls);
        Assert.All(second.Documents, d => Assert.True(d.ChunkCount > 1));
        await AssertSidesAgreeAsync(pipeline);
    }

    [ContractFact]
    public async Task A_second_pipeline_over_the_same_store_sees_the_first_ones_hashes()
    {
        using (var first = Pipeline())
        {
            await first.IngestAsync(Documents(3));
        }

        int calls = Embedder.Calls;
        using var second = Pipeline();
        var report = await second.IngestAsync(Documents(3));

        Assert.Equal(3, report.CountOf(IngestionStatus.Unchanged));
        Assert.Equal(calls, Embedder.Calls);
    }

    [ContractFact]
    public async Task Only_modified_documents_are_re_embedded_and_their_old_chunks_disappear()
    {
        using var pipeline = Pipeline();
        await pipeline.IngestAsync(Documents(4));
        int inputs = Embedder.Inputs;
        var changed = Documents(4);
        changed[2] = changed[2] with { Text = "Short replacement about ornithopters." };

        var report = await pipeline.IngestAsync(changed);

        Assert.Equal(IngestionStatus.Updated, report.Documents[2].Status);
        Assert.Equal(1, report.Documents[2].ChunkCount);
        Assert.Equal(3, report.CountOf(IngestionStatus.Unchanged));
        Assert.Equal(inputs + 1, Embedder.Inputs);
        Assert.Empty(await KeywordIdsAsync("wing2"));
        Assert.Equal(["doc2#0"], await KeywordIdsAsync("ornithopters"));
        Assert.Empty(await Store.Vectors.GetVectorsAsync(["doc2#1"]));
        Assert.Equal(["doc2#0"], (await Store.Ingestion.GetDocumentsAsync(["doc2"]))["doc2"].ChunkIds);
        await AssertSidesAgreeAsync(pipeline);
    }

    [ContractFact]
    public async Task A_failed_embedding_fails_its_batch_only_and_the_store_keeps_the_previous_version()
    {
        using var pipeline = Pipeline(batchSize: 2);
        await pipeline.IngestAsync(Documents(6));

        // Second run: every document changes; the second batch's embedding call fails.
        Embedder.FailOnCalls.Add(Embedder.Calls + 2);
        var report = await pipeline.IngestAsync(Documents(6, "v2"));

        Assert.Equal(
            [IngestionStatus.Updated, IngestionStatus.Updated, IngestionStatus.Failed, IngestionStatus.Failed, IngestionStatus.Updated, IngestionStatus.Updated],
            report.Documents.Select(d => d.Status));
        Assert.True(report.Documents[2].ChunkCount > 0, "a failed update keeps the previous version");
        var kept = await Store.Chunks.GetChunksAsync(["doc2#0", "doc0#0"]);
        Assert.Contains("v1", kept["doc2#0"].Text, StringComparison.Ordinal);
        Assert.Contains("v2", kept["doc0#0"].Text, StringComparison.Ordinal);
        await AssertSidesAgreeAsync(pipeline);

        // The next run retries exactly the failed documents.
        Embedder.FailOnCalls.Clear();
        var retry = await pipeline.IngestAsync(Documents(6, "v2"));
        Assert.Equal(2, retry.CountOf(IngestionStatus.Updated));
        Assert.Equal(4, retry.CountOf(IngestionStatus.Unchanged));
    }

    [ContractFact]
    public async Task Deleted_and_unsynchronized_documents_leave_both_searches_and_can_come_back()
    {
        using var pipeline = Pipeline();
        await pipeline.IngestAsync(Documents(5));

        var report = await pipeline.SynchronizeAsync(Documents(5).Take(4));
        bool deleted = await pipeline.DeleteAsync("doc0");

        Assert.Equal(("doc4", IngestionStatus.Deleted), (report.Documents[^1].DocumentId, report.Documents[^1].Status));
        Assert.True(deleted);
        Assert.False(await pipeline.DeleteAsync("doc0"));
        Assert.Equal(["doc1", "doc2", "doc3"], (await pipeline.GetDocumentIdsAsync()).Order(StringComparer.Ordinal));
        Assert.Empty(await KeywordIdsAsync("topic4 topic0"));
        Assert.DoesNotContain(await VectorIdsAsync("topic4 wing0"), id => id.StartsWith("doc4#", StringComparison.Ordinal) || id.StartsWith("doc0#", StringComparison.Ordinal));
        Assert.Empty(await Store.Chunks.GetChunksAsync(["doc4#0", "doc0#0"]));
        await pipeline.CompactAsync();
        Assert.Equal("doc1#1", (await KeywordIdsAsync("topic1", 1))[0]);

        var back = await pipeline.IngestAsync(Documents(5).Skip(4));
        Assert.Equal(IngestionStatus.Added, back.Documents[0].Status);
        Assert.Contains(await KeywordIdsAsync("topic4"), id => id.StartsWith("doc4#", StringComparison.Ordinal));
        await AssertSidesAgreeAsync(pipeline);
    }

    [ContractFact]
    public async Task Filters_apply_before_ranking_so_a_filtered_query_still_returns_a_full_top_k()
    {
        using var pipeline = Pipeline(maxTokens: 256, batchSize: 16);
        var documents = new List<IngestionDocument>();
        for (int i = 0; i < 40; i++)
        {
            // Forty strong matches that the filter excludes: a post-filter over the top 10 would find none of the rest.
            documents.Add(new($"acme{i}", $"Wing lift and slipstream study {i}: wing lift rises with the slipstream.", new DocumentMetadata { Tenant = "acme" }));
        }

        for (int i = 0; i < 14; i++)
        {
            documents.Add(new($"globex{i}", $"A note {i} on paint colours, with one remark about a wing.",
                new DocumentMetadata { Tenant = "globex", AccessLevel = i % 2, Date = new DateTimeOffset(2024, 1, i + 1, 0, 0, 0, TimeSpan.Zero), Tags = new Dictionary<string, string> { ["kind"] = i < 7 ? "note" : "memo" } }));
        }

        await pipeline.IngestAsync(documents);
        var globex = new MetadataFilter { Tenant = "globex" };

        foreach (var ids in new[] { await KeywordIdsAsync("wing lift slipstream", 10, globex), await VectorIdsAsync("wing lift slipstream", 10, globex) })
        {
            Assert.Equal(10, ids.Count);
            Assert.All(ids, id => Assert.StartsWith("globex", id, StringComparison.Ordinal));
        }

        // Access level, date range and tags: exactly the allowed chunks, however many fewer than top they are.
        var narrow = new MetadataFilter
        {
            Tenant = "globex",
            MaxAccessLevel = 0,
            From = new DateTimeOffset(2024, 1, 3, 0, 0, 0, TimeSpan.Zero),
            To = new DateTimeOffset(2024, 1, 11, 0, 0, 0, TimeSpan.Zero),
            Tags = new Dictionary<string, string> { ["kind"] = "memo" },
        };
        string[] allowed = ["globex10#0", "globex8#0"]; // even (level 0), 3rd-11th of January, memos (from the 8th)
        Assert.Equal(allowed, (await KeywordIdsAsync("wing", 10, narrow)).Order(StringComparer.Ordinal));
        Assert.Equal(allowed, (await VectorIdsAsync("wing", 10, narrow)).Order(StringComparer.Ordinal));

        var hybrid = await Retriever().SearchAsync("wing lift slipstream", top: 10, filter: globex);
        Assert.Equal(10, hybrid.Count);
        Assert.All(hybrid, r => Assert.Equal("globex", r.Metadata!.Tenant));
    }

    [ContractFact]
    public async Task Hybrid_results_carry_each_retrievers_rank_and_score_and_the_chunk_text()
    {
        using var pipeline = Pipeline(maxTokens: 256);
        await pipeline.IngestAsync(
        [
            new("wing", "experimental investigation of the aerodynamics of a wing in a slipstream", new DocumentMetadata { Tenant = "acme" }),
            new("shock", "shock waves at supersonic speed over a flat plate"),
            new("boundary", "laminar boundary layer transition on a flat plate"),
            new("heat", "heat transfer in hypersonic flow over blunt bodies"),
            new("slipstream", "propeller slipstream effects on wing lift"),
        ]);

        var results = await Retriever().SearchAsync("wing slipstream", top: 3);

        Assert.Equal(3, results.Count);
        var first = results[0];
        Assert.Equal((1, 1), (first.Rank, first.FusedRank));
        Assert.NotNull(first.KeywordRank);
        Assert.NotNull(first.VectorRank);
        Assert.True(first.KeywordScore > 0 && first.VectorScore > 0);
        Assert.Equal((1 / (60.0 + first.KeywordRank!.Value)) + (1 / (60.0 + first.VectorRank!.Value)), first.FusedScore, 5);
        Assert.Contains(first.Id, new[] { "wing#0", "slipstream#0" });
        Assert.Contains("slipstream", first.Text, StringComparison.Ordinal);
        Assert.Equal(results.Select(r => r.FusedRank), results.Select(r => r.Rank));
        Assert.Equal("acme", results.Single(r => r.Id == "wing#0").Metadata!.Tenant);

        // Keyword scores fall with rank; every keyword hit holds a query word.
        var keyword = await Store.Keyword.SearchAsync("wing slipstream", 10);
        Assert.Equal(["slipstream#0", "wing#0"], keyword.Select(h => h.Id).Order(StringComparer.Ordinal));
        Assert.True(keyword[0].Score >= keyword[1].Score);
    }

    [ContractFact]
    public async Task Mmr_reads_the_stored_vectors()
    {
        using var pipeline = Pipeline(maxTokens: 256);
        await pipeline.IngestAsync(
        [
            new("a", "propeller slipstream effects on wing lift"),
            new("b", "propeller slipstream effects on wing lift, repeated"),
            new("c", "heat transfer in hypersonic flow over a wing"),
        ]);

        var results = await Retriever(new HybridRetrieverOptions { UseMmr = true, MmrLambda = 0.3 }).SearchAsync("propeller slipstream wing", top: 3);

        Assert.Equal([1, 2, 3], results.Select(r => r.MmrRank!.Value));
    }

    [ContractFact]
    public async Task Stored_chunks_keep_their_text_offsets_and_metadata()
    {
        using var pipeline = Pipeline(maxTokens: 256);
        var metadata = new DocumentMetadata
        {
            Tenant = "acme",
            AccessLevel = 2,
            Date = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)),
            Tags = new Dictionary<string, string> { ["lang"] = "en", ["source"] = "wiki" },
        };
        await pipeline.IngestAsync([new("doc", "Refunds are paid within 14 days.", metadata)]);

        var chunk = (await Store.Chunks.GetChunksAsync(["doc#0", "missing#0"])).Single().Value;

        Assert.Equal(("doc#0", "doc", "Refunds are paid within 14 days.", 0, 32), (chunk.ChunkId, chunk.DocumentId, chunk.Text, chunk.Start, chunk.Length));
        Assert.Equal((metadata.Tenant, metadata.AccessLevel, metadata.Date), (chunk.Metadata.Tenant, chunk.Metadata.AccessLevel, chunk.Metadata.Date));
        Assert.Equal(metadata.Tags.OrderBy(t => t.Key), chunk.Metadata.Tags.OrderBy(t => t.Key));
    }
}
