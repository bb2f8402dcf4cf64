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
/// Keeps a <see cref="Bm25Index"/>, a <see cref="VectorIndex"/> and a <see cref="ChunkStore"/> in step with a set of
/// documents: content hash → diff (added, modified, unchanged, deleted) → chunk → embed → upsert into both indexes.
/// </summary>
/// <remarks>
/// <para>
/// Each batch is prepared completely (chunked, embedded, every vector checked) before anything is written, and only
/// then committed to the three stores. A failure while preparing fails that batch's documents and leaves the stores
/// exactly as they were, so the two indexes always hold the same chunks. Unchanged documents are recognised by hash
/// and cost no embedding call.
/// </para>
/// <para>Runs are serialized: a second call waits for the first to finish.</para>
/// </remarks>
public sealed class IngestionPipeline : IDisposable
{
    private readonly IChunker _chunker;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly Bm25Index _keyword;
    private readonly VectorIndex _vectors;
    private readonly ChunkStore _chunks;
    private readonly IngestionOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, DocumentState> _documents = new(StringComparer.Ordinal);

    // The hashing embedder's corpus statistics, when that is the embedder: kept in step with the vector index so query
    // weights follow the corpus (found through GetService, so it works under caching or batching wrappers too).
    private readonly FeatureStatistics? _statistics;

    /// <summary>Initializes a new instance of the <see cref="IngestionPipeline"/> class.</summary>
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
    {
        ArgumentNullException.ThrowIfNull(chunker);
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(keyword);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(chunks);
        _chunker = chunker;
        _embedder = embedder;
        _keyword = keyword;
        _vectors = vectors;
        _chunks = chunks;
        _options = options ?? new IngestionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, nameof(options));
        foreach (var (id, hash, chunkIds, deleted) in state?.Documents ?? [])
        {
            _documents[id] = new DocumentState(hash, chunkIds, deleted);
        }

        _statistics = embedder.GetService<HashingEmbeddingGenerator>()?.Statistics;
        if (_statistics is not null)
        {
            foreach (string id in vectors.GetIds())
            {
                // An index loaded from disk or filled earlier counts as corpus from the start.
                if (vectors.GetVector(id) is { } existing)
                {
                    _statistics.Add(existing);
                }
            }
        }
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the ids of the documents currently indexed (soft-deleted ones excluded).</summary>
    public IReadOnlyCollection<string> DocumentIds
    {
        get
        {
            _gate.Wait();
            try
            {
                return _documents.Where(d => !d.Value.Deleted).Select(d => d.Key).ToArray();
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Adds new documents and updates changed ones; documents not in <paramref name="documents"/> are left alone.</summary>
    /// <param name="documents">The documents.</param>
    /// <param name="cancellationToken">A token to cancel the run; batches already committed stay committed.</param>
    /// <returns>The per-document outcome.</returns>
    public Task<IngestionReport> IngestAsync(IEnumerable<IngestionDocument> documents, CancellationToken cancellationToken = default) =>
        RunAsync(documents, deleteMissing: false, cancellationToken);

    /// <summary>Makes the indexes hold exactly <paramref name="documents"/>: adds, updates, and deletes documents no longer present.</summary>
    /// <param name="documents">The complete set of documents.</param>
    /// <param name="cancellationToken">A token to cancel the run.</param>
    /// <returns>The per-document outcome, deletions included.</returns>
    public Task<IngestionReport> SynchronizeAsync(IEnumerable<IngestionDocument> documents, CancellationToken cancellationToken = default) =>
        RunAsync(documents, deleteMissing: true, cancellationToken);

    /// <summary>
    /// Soft-deletes a document: its chunks leave both indexes and the store at once; the BM25 postings and the
    /// document's record are reclaimed by <see cref="CompactAsync"/>.
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
            return DeleteCore(documentId);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reclaims space held by deletions: compacts the BM25 postings and forgets deleted documents.</summary>
    /// <param name="cancellationToken">A token to cancel waiting for a running ingestion.</param>
    /// <returns>A task that completes when compaction is done.</returns>
    public async Task CompactAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _keyword.Compact();
            foreach (string id in _documents.Where(d => d.Value.Deleted).Select(d => d.Key).ToList())
            {
                _documents.Remove(id);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes the indexes, the chunk store and this pipeline's state to one file (replaced atomically), so a restarted
    /// application loads them with <see cref="RetrievalSnapshot.Load"/> instead of re-embedding. Waits for a running
    /// ingestion, so the snapshot is consistent.
    /// </summary>
    /// <param name="path">The snapshot file.</param>
    /// <param name="cancellationToken">A token to cancel waiting for a running ingestion.</param>
    /// <returns>A task that completes when the file is written.</returns>
    public async Task SaveSnapshotAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = new IngestionState(_documents.Select(d => (d.Key, d.Value.Hash, d.Value.ChunkIds, d.Value.Deleted)).ToList());
            RetrievalSnapshot.Write(path, RetrievalSnapshot.EmbedderIdOf(_embedder.GetService<EmbeddingGeneratorMetadata>()), _keyword, _vectors, _chunks, state);
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
            var results = new DocumentIngestionResult?[input.Count];
            var pending = new List<(int Slot, IngestionDocument Document, string Hash)>();
            for (int i = 0; i < input.Count; i++)
            {
                var document = input[i];
                string hash = ContentHash(document);
                if (_documents.TryGetValue(document.Id, out var state) && !state.Deleted && state.Hash == hash)
                {
                    results[i] = new DocumentIngestionResult(document.Id, IngestionStatus.Unchanged, state.ChunkIds.Count);
                }
                else
                {
                    pending.Add((i, document, hash));
                }
            }

            for (int start = 0; start < pending.Count; start += _options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = pending.GetRange(start, Math.Min(_options.BatchSize, pending.Count - start));
                foreach (var result in await IngestBatchAsync(batch, cancellationToken).ConfigureAwait(false))
                {
                    results[result.Slot] = result.Result;
                }
            }

            var report = results.Select(r => r!).ToList();
            if (deleteMissing)
            {
                foreach (string id in _documents.Where(d => !d.Value.Deleted && !seen.Contains(d.Key)).Select(d => d.Key).ToList())
                {
                    DeleteCore(id);
                    report.Add(new DocumentIngestionResult(id, IngestionStatus.Deleted, 0));
                }
            }

            return new IngestionReport(report);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<List<(int Slot, DocumentIngestionResult Result)>> IngestBatchAsync(
        List<(int Slot, IngestionDocument Document, string Hash)> batch, CancellationToken cancellationToken)
    {
        var output = new List<(int Slot, DocumentIngestionResult Result)>(batch.Count);
        var prepared = new List<(int Slot, IngestionDocument Document, string Hash, IReadOnlyList<TextChunk> Chunks)>();

        // Phase 1: prepare. Nothing is written, so any failure here leaves the stores untouched.
        foreach (var (slot, document, hash) in batch)
        {
            try
            {
                var chunks = await _chunker.ChunkAsync(document.Text, cancellationToken).ConfigureAwait(false);
                prepared.Add((slot, document, hash, chunks));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                output.Add((slot, Failed(document.Id, "chunking failed: " + ex.Message, ex)));
            }
        }

        var texts = prepared.SelectMany(p => p.Chunks.Select(c => c.Text)).ToList();
        IList<Embedding<float>> embeddings = [];
        if (texts.Count > 0)
        {
            try
            {
                var generated = await _embedder.GenerateAsync(texts, EmbeddingPurpose.Options(EmbeddingPurpose.Document), cancellationToken).ConfigureAwait(false);
                embeddings = generated;
                if (embeddings.Count != texts.Count)
                {
                    throw new InvalidOperationException($"The embedding generator returned {embeddings.Count} embeddings for {texts.Count} chunks.");
                }

                foreach (var embedding in embeddings)
                {
                    var span = embedding.Vector.Span;
                    if (span.Length != _vectors.Dimensions)
                    {
                        throw new InvalidOperationException($"An embedding has {span.Length} dimensions; the vector index has {_vectors.Dimensions}.");
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
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Embedding a batch of {Count} documents failed; they keep their previous version.", prepared.Count);
                foreach (var p in prepared)
                {
                    output.Add((p.Slot, Failed(p.Document.Id, "embedding failed: " + ex.Message, ex)));
                }

                return output;
            }
        }

        // Phase 2: commit. Only in-memory writes of validated data remain.
        int next = 0;
        foreach (var (slot, document, hash, chunks) in prepared)
        {
            var metadata = document.Metadata ?? DocumentMetadata.Empty;
            bool existed = _documents.TryGetValue(document.Id, out var previous) && !previous.Deleted;
            var newIds = new List<string>(chunks.Count);
            var keywordBatch = new List<(string, string)>(chunks.Count);
            for (int c = 0; c < chunks.Count; c++)
            {
                var chunk = chunks[c];
                string chunkId = ChunkId(document.Id, c);
                newIds.Add(chunkId);
                var vector = embeddings[next++].Vector.Span;
                if (_statistics is not null)
                {
                    if (_vectors.GetVector(chunkId) is { } replaced)
                    {
                        _statistics.Remove(replaced);
                    }

                    _statistics.Add(vector);
                }

                _vectors.Upsert(chunkId, vector, metadata);
                _chunks.Set(new StoredChunk(chunkId, document.Id, chunk.Text, chunk.Start, chunk.Length, chunk.HeadingPath, metadata));
                keywordBatch.Add((chunkId, chunk.Text));
            }

            _keyword.AddRange(keywordBatch);
            if (previous is not null)
            {
                foreach (string stale in previous.ChunkIds.Skip(chunks.Count))
                {
                    RemoveChunk(stale);
                }
            }

            _documents[document.Id] = new DocumentState(hash, newIds, Deleted: false);
            output.Add((slot, new DocumentIngestionResult(document.Id, existed ? IngestionStatus.Updated : IngestionStatus.Added, chunks.Count)));
        }

        return output;
    }

    private static string ChunkId(string documentId, int index) => $"{documentId}#{index}";

    private DocumentIngestionResult Failed(string id, string reason, Exception ex)
    {
        int kept = _documents.TryGetValue(id, out var state) && !state.Deleted ? state.ChunkIds.Count : 0;
        return new DocumentIngestionResult(id, IngestionStatus.Failed, kept, reason, ex);
    }

    private bool DeleteCore(string documentId)
    {
        if (!_documents.TryGetValue(documentId, out var state) || state.Deleted)
        {
            return false;
        }

        foreach (string chunkId in state.ChunkIds)
        {
            RemoveChunk(chunkId);
        }

        _documents[documentId] = state with { Deleted = true };
        return true;
    }

    private void RemoveChunk(string chunkId)
    {
        if (_statistics is not null && _vectors.GetVector(chunkId) is { } removed)
        {
            _statistics.Remove(removed);
        }

        _vectors.Remove(chunkId);
        _keyword.Remove(chunkId);
        _chunks.Remove(chunkId);
    }

    private sealed record DocumentState(string Hash, IReadOnlyList<string> ChunkIds, bool Deleted);
}
