using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Tests.Ingestion;

public sealed class IngestionPipelineTests : IDisposable
{
    private readonly Bm25Index _keyword = new();
    private readonly VectorIndex _vectors = new(256);
    private readonly ChunkStore _chunks = new();
    private readonly CountingEmbeddingGenerator _embedder = new(new HashingEmbeddingGenerator(new HashingEmbeddingGeneratorOptions { Dimensions = 256 }));

    public void Dispose()
    {
        _keyword.Dispose();
        _vectors.Dispose();
    }

    private static List<IngestionDocument> Documents(int count, string version = "v1") =>
        Enumerable.Range(0, count).Select(i => new IngestionDocument($"doc{i}", $"Document {i} {version}. It talks about topic{i} at length.\n\nA second paragraph about wing{i} and lift.")).ToList();

    private IngestionPipeline Pipeline(int batchSize = 2) =>
        new(new RecursiveChunker(new WordPieceCounter(), new ChunkerOptions { MaxTokens = 12 }), _embedder, _keyword, _vectors, _chunks, new IngestionOptions { BatchSize = batchSize });

    private void AssertIndexesAgree()
    {
        var keywordIds = _keyword.GetIds().Order(StringComparer.Ordinal).ToList();
        var vectorIds = _vectors.GetIds().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(keywordIds, vectorIds);
        Assert.Equal(keywordIds.Count, _chunks.Count);
        Assert.All(keywordIds, id => Assert.True(_chunks.TryGet(id, out _)));
    }

    [Fact]
    public async Task Rerunning_unchanged_input_makes_no_embedding_calls()
    {
        using var pipeline = Pipeline();
        var first = await pipeline.IngestAsync(Documents(5));
        int calls = _embedder.Calls;

        var second = await pipeline.IngestAsync(Documents(5));

        Assert.Equal(5, first.CountOf(IngestionStatus.Added));
        Assert.Equal(5, second.CountOf(IngestionStatus.Unchanged));
        Assert.Equal(calls, _embedder.Calls);
        Assert.All(second.Documents, d => Assert.True(d.ChunkCount > 0));
        AssertIndexesAgree();
    }

    [Fact]
    public async Task Only_modified_documents_are_re_embedded_and_their_old_chunks_disappear()
    {
        using var pipeline = Pipeline();
        await pipeline.IngestAsync(Documents(4));
        int inputs = _embedder.Inputs;
        var changed = Documents(4);
        changed[2] = changed[2] with { Text = "Short replacement about ornithopters." };

        var report = await pipeline.IngestAsync(changed);

        Assert.Equal(IngestionStatus.Updated, report.Documents[2].Status);
        Assert.Equal(1, report.Documents[2].ChunkCount);
        Assert.Equal(3, report.CountOf(IngestionStatus.Unchanged));
        Assert.Equal(inputs + 1, _embedder.Inputs);
        Assert.Empty(_keyword.Search("wing2"));
        Assert.Equal("doc2#0", Assert.Single(_keyword.Search("ornithopters")).Id);
        Assert.False(_vectors.Contains("doc2#1"));
        AssertIndexesAgree();
    }

    [Fact]
    public async Task A_failure_mid_run_fails_its_batch_only_and_both_indexes_stay_consistent()
    {
        using var pipeline = Pipeline(batchSize: 2);
        await pipeline.IngestAsync(Documents(6));
        var before = _keyword.GetIds().Order(StringComparer.Ordinal).ToList();

        // Second run: every document changes; the second batch's embedding call fails.
        _embedder.FailOnCalls.Add(_embedder.Calls + 2);
        var report = await pipeline.IngestAsync(Documents(6, "v2"));

        Assert.Equal(
            [IngestionStatus.Updated, IngestionStatus.Updated, IngestionStatus.Failed, IngestionStatus.Failed, IngestionStatus.Updated, IngestionStatus.Updated],
            report.Documents.Select(d => d.Status));
        var failed = report.Documents[2];
        Assert.Contains("embedding failed", failed.Error, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(failed.Exception);
        Assert.True(failed.ChunkCount > 0, "a failed update keeps the previous version");

        // Both indexes hold the same chunks; the failed documents still serve v1, the others v2.
        AssertIndexesAgree();
        Assert.Equal(before, _keyword.GetIds().Order(StringComparer.Ordinal).ToList());
        Assert.Contains("v1", _chunks.TryGet("doc2#0", out var kept) ? kept.Text : null, StringComparison.Ordinal);
        Assert.Contains("v2", _chunks.TryGet("doc0#0", out var updated) ? updated.Text : null, StringComparison.Ordinal);

        // The next run retries exactly the failed documents.
        _embedder.FailOnCalls.Clear();
        var retry = await pipeline.IngestAsync(Documents(6, "v2"));
        Assert.Equal(2, retry.CountOf(IngestionStatus.Updated));
        Assert.Equal(4, retry.CountOf(IngestionStatus.Unchanged));
        AssertIndexesAgree();
    }

    [Fact]
    public async Task Synchronize_deletes_missing_documents_and_compaction_reclaims_their_postings()
    {
        using var pipeline = Pipeline();
        await pipeline.IngestAsync(Documents(4));

        var report = await pipeline.SynchronizeAsync(Documents(4).Take(3));

        Assert.Equal(IngestionStatus.Deleted, report.Documents[^1].Status);
        Assert.Equal("doc3", report.Documents[^1].DocumentId);
        Assert.Empty(_keyword.Search("topic3"));
        Assert.DoesNotContain(_vectors.GetIds(), id => id.StartsWith("doc3#", StringComparison.Ordinal));
        Assert.DoesNotContain("doc3", await pipeline.GetDocumentIdsAsync());
        AssertIndexesAgree();

        await pipeline.CompactAsync();
        Assert.Equal("doc1#1", _keyword.Search("topic1", 1)[0].Id);

        // A deleted document that comes back is indexed again.
        var back = await pipeline.IngestAsync(Documents(4).Skip(3));
        Assert.Equal(IngestionStatus.Added, back.Documents[0].Status);
        AssertIndexesAgree();
    }

    [Fact]
    public async Task Metadata_changes_count_as_modifications()
    {
        using var pipeline = Pipeline();
        await pipeline.IngestAsync(Documents(1));
        var moved = Documents(1)[0] with { Metadata = new DocumentMetadata { Tenant = "acme" } };

        var report = await pipeline.IngestAsync([moved]);

        Assert.Equal(IngestionStatus.Updated, report.Documents[0].Status);
        Assert.True(_vectors.TryGetMetadata("doc0#0", out var metadata));
        Assert.Equal("acme", metadata.Tenant);
    }

    [Fact]
    public async Task Duplicate_ids_in_one_run_are_rejected_before_anything_is_written()
    {
        using var pipeline = Pipeline();
        var docs = Documents(2);
        docs.Add(docs[0]);

        await Assert.ThrowsAsync<ArgumentException>(() => pipeline.IngestAsync(docs));
        Assert.Equal(0, _embedder.Calls);
        Assert.Equal(0, _keyword.Count);
    }
}
