using LlmKit.Rag.Keyword;
using LlmKit.Rag.Persistence;
using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Ingestion;

/// <summary>
/// The in-process <see cref="IIngestionStore"/>: writes chunks to a <see cref="Bm25Index"/>, a <see cref="VectorIndex"/>
/// and a <see cref="ChunkStore"/>, and remembers each document's hash and chunk ids in memory (persisted with the
/// indexes by <see cref="IngestionPipeline.SaveSnapshotAsync"/>).
/// </summary>
/// <remarks>
/// A commit only writes data the pipeline has already validated (every vector has the index's length and finite
/// values), so it cannot fail half-way. A search running during a commit may see a document's new chunks in one index
/// a moment before the other.
/// </remarks>
public sealed class InProcessIngestionStore : IIngestionStore
{
    private readonly Dictionary<string, StoredDocument> _documents = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Initializes a new instance of the <see cref="InProcessIngestionStore"/> class.</summary>
    /// <param name="keyword">The keyword index to fill.</param>
    /// <param name="vectors">The vector index to fill.</param>
    /// <param name="chunks">The chunk store to fill.</param>
    /// <param name="state">The documents' hashes loaded with the indexes from a <see cref="RetrievalSnapshot"/>, so unchanged documents are recognised after a restart.</param>
    public InProcessIngestionStore(Bm25Index keyword, VectorIndex vectors, ChunkStore chunks, IngestionState? state = null)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(chunks);
        Keyword = keyword;
        Vectors = vectors;
        Chunks = chunks;
        foreach (var (id, hash, chunkIds, deleted) in state?.Documents ?? [])
        {
            // Snapshots written before deletes were forgotten at once may still list deleted documents.
            if (!deleted)
            {
                _documents[id] = new StoredDocument(id, hash, chunkIds);
            }
        }
    }

    /// <summary>Gets the keyword index.</summary>
    public Bm25Index Keyword { get; }

    /// <summary>Gets the vector index.</summary>
    public VectorIndex Vectors { get; }

    /// <summary>Gets the chunk store.</summary>
    public ChunkStore Chunks { get; }

    /// <inheritdoc />
    public int Dimensions => Vectors.Dimensions;

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, StoredDocument>> GetDocumentsAsync(IReadOnlyCollection<string> documentIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentIds);
        var found = new Dictionary<string, StoredDocument>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (string id in documentIds)
            {
                if (_documents.TryGetValue(id, out var document))
                {
                    found[id] = document;
                }
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, StoredDocument>>(found);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetDocumentIdsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<string>>(_documents.Keys.ToArray());
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetVectorsAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default) =>
        ((Retrievers.IVectorSearch)Vectors).GetVectorsAsync(chunkIds, cancellationToken);

    /// <inheritdoc />
    public Task CommitAsync(IngestionBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var write in batch.Writes)
        {
            foreach (var chunk in write.Chunks)
            {
                if (chunk.Vector.Length != Dimensions)
                {
                    throw new ArgumentException($"Chunk '{chunk.Chunk.ChunkId}' has a {chunk.Vector.Length}-value vector; the vector index has {Dimensions} dimensions.", nameof(batch));
                }
            }
        }

        lock (_gate)
        {
            foreach (var write in batch.Writes)
            {
                var keyword = new List<(string, string)>(write.Chunks.Count);
                var ids = new List<string>(write.Chunks.Count);
                foreach (var (chunk, vector) in write.Chunks)
                {
                    Vectors.Upsert(chunk.ChunkId, vector.Span, chunk.Metadata);
                    Chunks.Set(chunk);
                    keyword.Add((chunk.ChunkId, chunk.Text));
                    ids.Add(chunk.ChunkId);
                }

                Keyword.AddRange(keyword);
                if (_documents.TryGetValue(write.DocumentId, out var previous))
                {
                    var kept = ids.ToHashSet(StringComparer.Ordinal);
                    foreach (string stale in previous.ChunkIds.Where(id => !kept.Contains(id)))
                    {
                        RemoveChunk(stale);
                    }
                }

                _documents[write.DocumentId] = new StoredDocument(write.DocumentId, write.ContentHash, ids);
            }

            foreach (string documentId in batch.Deletes)
            {
                if (_documents.Remove(documentId, out var removed))
                {
                    foreach (string chunkId in removed.ChunkIds)
                    {
                        RemoveChunk(chunkId);
                    }
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CompactAsync(CancellationToken cancellationToken = default)
    {
        Keyword.Compact();
        return Task.CompletedTask;
    }

    /// <summary>Returns the documents' hashes and chunk ids, for a snapshot.</summary>
    internal IngestionState GetState()
    {
        lock (_gate)
        {
            return new IngestionState(_documents.Values.Select(d => (d.DocumentId, d.ContentHash, d.ChunkIds, false)).ToList());
        }
    }

    private void RemoveChunk(string chunkId)
    {
        Vectors.Remove(chunkId);
        Keyword.Remove(chunkId);
        Chunks.Remove(chunkId);
    }
}
