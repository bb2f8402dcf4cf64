using System.Security.Cryptography;
using System.Text;
using LlmKit.Rag.Chunking;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Persistence;
using LlmKit.Rag.Vectors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Rag.Ingestion;

/// <summary>
/// Keeps an <see cref="IIngestionStore"/> — the in-process <see cref="Bm25Index"/>, <see cref="VectorIndex"/> and
/// <see cref="ChunkStore"/>, or the PostgreSQL store — in step with a set of documents: content hash → diff (added,
/// modified, unchanged, deleted) → chunk → embed → commit.
/// </summary>
/// <remarks>
/// <para>
/// Each batch is prepared completely (chunked, embedded, every vector checked) before anything is written, and then
/// committed to the store as one unit. A failure while preparing or committing fails that batch's documents and leaves
/// the store exactly as it was, so the keyword and vector sides always hold the same chunks. Unchanged documents are
/// recognised by the hash the store keeps and cost no embedding call.
/// </para>
/// <para>Runs are serialized: a second call waits for the first to finish.</para>
/// </remarks>
public sealed class IngestionPipeline : IDisposable
{
    private readonly IChunker _chunker;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly IIngestionStore _store;
    private readonly IngestionOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // The hashing embedder's corpus statistics, when that is the embedder: kept in step with the stored vectors so query
    // weights follow the corpus (found through GetService, so it works under caching or batching wrappers too).
    private readonly FeatureStatistics? _statistics;
    private bool _statisticsLoaded;

    /// <summary>Initializes a new instance of the <see cref="IngestionPipeline"/> class over the in-process indexes.</summary>
    /// <param name="chunker">Splits documents into chunks.</param>
    /// <param name="embedder">Embeds chunks (wrap it in <see cref="Embeddings.BatchingEmbeddingGenerator"/> for large inputs).</param>
    /// <param name="keyword">The keyword index to fill.</param>
    /// <param name="vectors">The vector index to fill.</param>
    /// <param name="chunks">The chunk store to fill.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">A logger.</param>
    /// <param name="state">The state loaded with the indexes from a <see cref="RetrievalSnapshot"/>, so unchanged documents are recognised after a restart.</param>
    public IngestionPipeline(
        IChunker chunker,
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        Bm25Index keyword,
        VectorIndex vectors,
        ChunkStore chunks,
        IngestionOptions? options = null,
        ILogger<IngestionPipeline>? logger = null,
        IngestionState? state = null)
        : this(chunker, embedder, new InProcessIngestionStore(keyword, vectors, chunks, state), options, logger)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="IngestionPipeline"/> class over any store.</summary>
    /// <param name="chunker">Splits documents into chunks.</param>
    /// <param name="embedder">Embeds chunks (wrap it in <see cref="Embeddings.BatchingEmbeddingGenerator"/> for large inputs).</param>
    /// <param name="store">Where chunks, vectors and document hashes are written.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">A logger.</param>
    public IngestionPipeline(
        IChunker chunker,
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        IIngestionStore store,
        IngestionOptions? options = null,
        ILogger<IngestionPipeline>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(chunker);
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(store);
        _chunker = chunker;
        _embedder = embedder;
        _store = store;
        _options = options ?? new IngestionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _statistics = embedder.GetService<HashingEmbeddingGenerator>()?.Statistics;
        if (_statistics is not null && store is InProcessIngestionStore local)
        {
            // Fast path: an index loaded from disk or filled earlier counts as corpus from the start, before any search.
            foreach (string id in local.Vectors.GetIds())
            {
                if (local.Vectors.GetVector(id) is { } existing)
                {
                    _statistics.Add(existing);
                }
            }

            _statisticsLoaded = true;
        }
    }

    /// <summary>Gets the store this pipeline writes to.</summary>
    public IIngestionStore Store => _store;

    /// <summary>Returns the ids of the documents currently indexed.</summary>
    /// <param name="cancellationToken">A token to cancel the query.</param>
    /// <returns>The ids, in no particular order.</returns>
    public Task<IReadOnlyList<string>> GetDocumentIdsAsync(CancellationToken cancellationToken = default) => _store.GetDocumentIdsAsync(cancellationToken);

    /// <summary>
    /// Reads what the embedder learns from the stored corpus — the <see cref="HashingEmbeddingGenerator"/>'s feature
    /// statistics, which weight its queries — when the store is not in-process. It runs by itself before the first
    /// ingestion or deletion; call it at start-up in a process that searches before it ingests. A no-op otherwise.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the reads.</param>
    /// <returns>A task that completes when the statistics are loaded.</returns>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadStatisticsAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds new documents and updates changed ones; documents not in <paramref name="documents"/> are left alone.</summary>
    /// <param name="documents">The documents.</param>
    /// <param name="cancellationToken">A token to cancel the run; batches already committed stay committed.</param>
    /// <returns>The per-document outcome.</returns>
    public Task<IngestionReport> IngestAsync(IEnumerable<IngestionDocument> documents, CancellationToken cancellationToken = default) =>
        RunAsync(documents, deleteMissing: false, cancellationToken);

    /// <summary>Makes the store hold exactly <paramref name="documents"/>: adds, updates, and deletes documents no longer present.</summary>
    /// <param name="documents">The complete set of documents.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>The per-document outcome, deletions included.</returns>
    public Task<IngestionReport> SynchronizeAsync(IEnumerable<IngestionDocument> documents, CancellationToken cancellationToken = default) =>
        RunAsync(documents, deleteMissing: true, cancellationToken);

    /// <summary>
    /// Deletes a document: its chunks leave both search sides at once. In the in-process BM25 index the postings stay
    /// (skipped by searches) until <see cref="CompactAsync"/> or the index's own compaction threshold reclaims them.
    /// </summary>
    /// <param name="documentId">The document id.</param>
    /// <param name="cancellationToken">A token to cancel waiting for a running ingestion.</param>
    /// <returns><see langword="true"/> when the document was indexed.</returns>
    public async Task<bool> DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadStatisticsAsync(cancellationToken).ConfigureAwait(false);
            return await DeleteCoreAsync([documentId], cancellationToken).ConfigureAwait(false) == 1;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reclaims space held by deletions (compacts the in-process BM25 postings).</summary>
    /// <param name="cancellationToken">A token to cancel waiting for a running ingestion.</param>
    /// <returns>A task that completes when compaction is done.</returns>
    public async Task CompactAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.CompactAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes the in-process indexes, the chunk store and the documents' hashes to one file (replaced atomically), so a
    /// restarted application loads them with <see cref="RetrievalSnapshot.Load"/> instead of re-embedding. Waits for a
    /// running ingestion, so the snapshot is consistent.
    /// </summary>
    /// <param name="path">The snapshot file.</param>
    /// <param name="cancellationToken">A token to cancel waiting for a running ingestion.</param>
    /// <returns>A task that completes when the file is written.</returns>
    /// <exception cref="NotSupportedException">The pipeline writes to a store that is not in-process (it keeps its own data).</exception>
    public async Task SaveSnapshotAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (_store is not InProcessIngestionStore local)
        {
            throw new NotSupportedException($"Snapshots hold the in-process indexes; {_store.GetType().Name} keeps its data itself.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RetrievalSnapshot.Write(path, RetrievalSnapshot.EmbedderIdOf(_embedder.GetService<EmbeddingGeneratorMetadata>()), local.Keyword, local.Vectors, local.Chunks, local.GetState());
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private static string ContentHash(IngestionDocument document)
    {
        var metadata = document.Metadata ?? DocumentMetadata.Empty;
        var text = new StringBuilder(document.Text.Length + 128).Append(document.Text).Append('\u0001')
            .Append(metadata.Tenant).Append('\u0001').Append(metadata.AccessLevel).Append('\u0001')
            .Append(metadata.Date?.ToUnixTimeMilliseconds()).Append('\u0001');
        foreach (var tag in metadata.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append(tag.Key).Append('=').Append(tag.Value).Append('\u0001');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private async Task<IngestionReport> RunAsync(IEnumerable<IngestionDocument> documents, bool deleteMissing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var input = documents.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in input)
        {
            ArgumentNullException.ThrowIfNull(document, nameof(documents));
            ArgumentException.ThrowIfNullOrEmpty(document.Id, nameof(documents));
            ArgumentNullException.ThrowIfNull(document.Text, nameof(documents));
            if (!seen.Add(document.Id))
            {
                throw new ArgumentException($"Document id '{document.Id}' appears twice in one ingestion run.", nameof(documents));
            }
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LoadStatisticsAsync(cancellationToken).ConfigureAwait(false);
            var stored = input.Count == 0
                ? new Dictionary<string, StoredDocument>()
                : await _store.GetDocumentsAsync(seen, cancellationToken).ConfigureAwait(false);
            var results = new DocumentIngestionResult?[input.Count];
            var pending = new List<PendingDocument>();
            for (int i = 0; i < input.Count; i++)
            {
                var document = input[i];
                string hash = ContentHash(document);
                var previous = stored.GetValueOrDefault(document.Id);
                if (previous is not null && previous.ContentHash == hash)
                {
                    results[i] = new DocumentIngestionResult(document.Id, IngestionStatus.Unchanged, previous.ChunkIds.Count);
                }
                else
                {
                    pending.Add(new PendingDocument(i, document, hash, previous));
                }
            }

            for (int start = 0; start < pending.Count; start += _options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = pending.GetRange(start, Math.Min(_options.BatchSize, pending.Count - start));
                foreach (var (slot, result) in await IngestBatchAsync(batch, cancellationToken).ConfigureAwait(false))
                {
                    results[slot] = result;
                }
            }

            var report = results.Select(r => r!).ToList();
            if (deleteMissing)
            {
                var missing = (await _store.GetDocumentIdsAsync(cancellationToken).ConfigureAwait(false)).Where(id => !seen.Contains(id)).ToList();
                for (int start = 0; start < missing.Count; start += _options.BatchSize)
                {
                    var batch = missing.GetRange(start, Math.Min(_options.BatchSize, missing.Count - start));
                    await DeleteCoreAsync(batch, cancellationToken).ConfigureAwait(false);
                    report.AddRange(batch.Select(id => new DocumentIngestionResult(id, IngestionStatus.Deleted, 0)));
                }
            }

            return new IngestionReport(report);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<List<(int Slot, DocumentIngestionResult Result)>> IngestBatchAsync(List<PendingDocument> batch, CancellationToken cancellationToken)
    {
        var output = new List<(int Slot, DocumentIngestionResult Result)>(batch.Count);
        var prepared = new List<(PendingDocument Pending, IReadOnlyList<TextChunk> Chunks)>();

        // Phase 1: prepare. Nothing is written, so any failure here leaves the store untouched.
        foreach (var pending in batch)
        {
            try
            {
                var chunks = await _chunker.ChunkAsync(pending.Document.Text, cancellationToken).ConfigureAwait(false);
                prepared.Add((pending, chunks));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                output.Add((pending.Slot, Failed(pending, "chunking failed: " + ex.Message, ex)));
            }
        }

        var texts = prepared.SelectMany(p => p.Chunks.Select(c => c.Text)).ToList();
        IList<Embedding<float>> embeddings = [];
        if (texts.Count > 0)
        {
            try
            {
                embeddings = await _embedder.GenerateAsync(texts, EmbeddingPurpose.Options(EmbeddingPurpose.Document), cancellationToken).ConfigureAwait(false);
                CheckEmbeddings(embeddings, texts.Count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Embedding a batch of {Count} documents failed; they keep their previous version.", prepared.Count);
                output.AddRange(prepared.Select(p => (p.Pending.Slot, Failed(p.Pending, "embedding failed: " + ex.Message, ex))));
                return output;
            }
        }

        int next = 0;
        var writes = new List<DocumentWrite>(prepared.Count);
        foreach (var (pending, chunks) in prepared)
        {
            var metadata = pending.Document.Metadata ?? DocumentMetadata.Empty;
            var written = new ChunkWrite[chunks.Count];
            for (int c = 0; c < chunks.Count; c++)
            {
                var chunk = chunks[c];
                string chunkId = ChunkId(pending.Document.Id, c);
                written[c] = new ChunkWrite(
                    new StoredChunk(chunkId, pending.Document.Id, chunk.Text, chunk.Start, chunk.Length, chunk.HeadingPath, metadata),
                    embeddings[next++].Vector);
            }

            writes.Add(new DocumentWrite(pending.Document.Id, pending.Hash, written));
        }

        if (writes.Count == 0)
        {
            return output;
        }

        // Phase 2: commit, as one unit. The statistics learn of it only once it has happened.
        try
        {
            var replaced = await StoredVectorsAsync(prepared.SelectMany(p => p.Pending.Previous?.ChunkIds ?? []).ToList(), cancellationToken).ConfigureAwait(false);
            await _store.CommitAsync(new IngestionBatch(writes, []), cancellationToken).ConfigureAwait(false);
            UpdateStatistics(replaced, writes.SelectMany(w => w.Chunks.Select(c => c.Vector)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Committing a batch of {Count} documents failed; they keep their previous version.", prepared.Count);
            output.AddRange(prepared.Select(p => (p.Pending.Slot, Failed(p.Pending, "commit failed: " + ex.Message, ex))));
            return output;
        }

        output.AddRange(prepared.Select(p => (p.Pending.Slot,
            new DocumentIngestionResult(p.Pending.Document.Id, p.Pending.Previous is null ? IngestionStatus.Added : IngestionStatus.Updated, p.Chunks.Count))));
        return output;
    }

    private void CheckEmbeddings(IList<Embedding<float>> embeddings, int expected)
    {
        if (embeddings.Count != expected)
        {
            throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} embeddings for {expected} chunks.");
        }

        foreach (var embedding in embeddings)
        {
            var span = embedding.Vector.Span;
            if (span.Length != _store.Dimensions)
            {
                throw new InvalidOperationException($"An embedding has {span.Length} dimensions; the store has {_store.Dimensions}.");
            }

            foreach (float v in span)
            {
                if (!float.IsFinite(v))
                {
                    throw new InvalidOperationException("An embedding holds a value that is not finite.");
                }
            }
        }
    }

    private static string ChunkId(string documentId, int index) => $"{documentId}#{index}";

    private static DocumentIngestionResult Failed(PendingDocument pending, string reason, Exception ex) =>
        new(pending.Document.Id, IngestionStatus.Failed, pending.Previous?.ChunkIds.Count ?? 0, reason, ex);

    /// <summary>Deletes the documents the store holds among <paramref name="documentIds"/>, in one commit.</summary>
    /// <returns>How many were held.</returns>
    private async Task<int> DeleteCoreAsync(IReadOnlyList<string> documentIds, CancellationToken cancellationToken)
    {
        var stored = await _store.GetDocumentsAsync(documentIds, cancellationToken).ConfigureAwait(false);
        if (stored.Count == 0)
        {
            return 0;
        }

        var removed = await StoredVectorsAsync(stored.Values.SelectMany(d => d.ChunkIds).ToList(), cancellationToken).ConfigureAwait(false);
        await _store.CommitAsync(new IngestionBatch([], stored.Keys.ToList()), cancellationToken).ConfigureAwait(false);
        UpdateStatistics(removed, []);
        return stored.Count;
    }

    // The vectors the statistics must forget when these chunks go; only read when there are statistics to keep.
    private async Task<IReadOnlyCollection<ReadOnlyMemory<float>>> StoredVectorsAsync(List<string> chunkIds, CancellationToken cancellationToken) =>
        _statistics is null || chunkIds.Count == 0
            ? []
            : (await _store.GetVectorsAsync(chunkIds, cancellationToken).ConfigureAwait(false)).Values.ToList();

    private void UpdateStatistics(IEnumerable<ReadOnlyMemory<float>> removed, IEnumerable<ReadOnlyMemory<float>> added)
    {
        if (_statistics is null)
        {
            return;
        }

        foreach (var vector in removed)
        {
            _statistics.Remove(vector.Span);
        }

        foreach (var vector in added)
        {
            _statistics.Add(vector.Span);
        }
    }

    // A store outside this process is read once, in pages, so a restarted or second process weights queries by the
    // whole stored corpus, not only by what it ingested itself.
    private async Task LoadStatisticsAsync(CancellationToken cancellationToken)
    {
        if (_statistics is null || _statisticsLoaded)
        {
            return;
        }

        // Counted aside and merged at the end, so a read that fails half-way leaves nothing counted twice on retry.
        var loaded = new FeatureStatistics(_store.Dimensions);
        var documentIds = await _store.GetDocumentIdsAsync(cancellationToken).ConfigureAwait(false);
        const int Page = 512;
        for (int start = 0; start < documentIds.Count; start += Page)
        {
            var page = documentIds.Skip(start).Take(Page).ToList();
            var documents = await _store.GetDocumentsAsync(page, cancellationToken).ConfigureAwait(false);
            var vectors = await _store.GetVectorsAsync(documents.Values.SelectMany(d => d.ChunkIds).ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var vector in vectors.Values)
            {
                loaded.Add(vector.Span);
            }
        }

        _statistics.Merge(loaded);
        _statisticsLoaded = true;
    }

    private sealed record PendingDocument(int Slot, IngestionDocument Document, string Hash, StoredDocument? Previous);
}
