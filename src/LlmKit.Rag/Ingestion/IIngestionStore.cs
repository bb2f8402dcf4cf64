namespace LlmKit.Rag.Ingestion;

/// <summary>
/// Where an <see cref="IngestionPipeline"/> writes: each document's content hash and chunk ids, and each chunk's text,
/// metadata and vector. <see cref="InProcessIngestionStore"/> fills the in-process <see cref="Keyword.Bm25Index"/>,
/// <see cref="Vectors.VectorIndex"/> and <see cref="ChunkStore"/>; the PostgreSQL retrieval store
/// (<c>LlmKit.Rag.PostgreSql</c>) writes tables that many replicas search.
/// </summary>
/// <remarks>
/// The pipeline does the hash diff, chunking and embedding; a store only keeps what it is given. Each
/// <see cref="CommitAsync"/> is one unit: after it, searches see all of the batch or, when it throws, none of it.
/// </remarks>
public interface IIngestionStore
{
    /// <summary>Gets the length every vector written to the store must have.</summary>
    int Dimensions { get; }

    /// <summary>Returns the stored state of the documents among <paramref name="documentIds"/> that the store holds.</summary>
    /// <param name="documentIds">The document ids to look up.</param>
    /// <param name="cancellationToken">A token to cancel the lookup.</param>
    /// <returns>The stored documents by id; ids the store does not hold are left out.</returns>
    Task<IReadOnlyDictionary<string, StoredDocument>> GetDocumentsAsync(IReadOnlyCollection<string> documentIds, CancellationToken cancellationToken = default);

    /// <summary>Returns the ids of every document the store holds (for <see cref="IngestionPipeline.SynchronizeAsync"/>).</summary>
    /// <param name="cancellationToken">A token to cancel the query.</param>
    /// <returns>The document ids, in no particular order.</returns>
    Task<IReadOnlyList<string>> GetDocumentIdsAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns the stored vectors of <paramref name="chunkIds"/>; ids the store does not hold are left out.</summary>
    /// <param name="chunkIds">The chunk ids.</param>
    /// <param name="cancellationToken">A token to cancel the lookup.</param>
    /// <returns>The vectors by chunk id.</returns>
    Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> GetVectorsAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a batch as one unit: each written document's chunks replace all of its previous chunks and its hash is
    /// recorded; each deleted document leaves with its chunks. When this throws, the store is as it was before.
    /// </summary>
    /// <param name="batch">The documents to write and to delete.</param>
    /// <param name="cancellationToken">A token to cancel the commit (which then does not happen).</param>
    /// <returns>A task that completes when the batch is visible to searches.</returns>
    Task CommitAsync(IngestionBatch batch, CancellationToken cancellationToken = default);

    /// <summary>Reclaims space that deletions left behind (the in-process BM25 postings); a no-op for stores that need none.</summary>
    /// <param name="cancellationToken">A token to cancel the compaction.</param>
    /// <returns>A task that completes when compaction is done.</returns>
    Task CompactAsync(CancellationToken cancellationToken = default);
}
