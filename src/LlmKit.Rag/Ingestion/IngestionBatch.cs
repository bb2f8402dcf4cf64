namespace LlmKit.Rag.Ingestion;

/// <summary>What an <see cref="IIngestionStore"/> holds about one document: the hash of its content and its chunk ids.</summary>
/// <param name="DocumentId">The document id.</param>
/// <param name="ContentHash">The hash of the text and metadata it was indexed with; an unchanged hash means nothing to do.</param>
/// <param name="ChunkIds">Its chunks' ids, in document order.</param>
public sealed record StoredDocument(string DocumentId, string ContentHash, IReadOnlyList<string> ChunkIds);

/// <summary>One chunk to write: its text, provenance and metadata, and its embedding.</summary>
/// <param name="Chunk">The chunk.</param>
/// <param name="Vector">Its embedding; the length is the store's <see cref="IIngestionStore.Dimensions"/>.</param>
public sealed record ChunkWrite(StoredChunk Chunk, ReadOnlyMemory<float> Vector);

/// <summary>A document's new version: its hash and every one of its chunks (which replace all of its previous ones).</summary>
/// <param name="DocumentId">The document id.</param>
/// <param name="ContentHash">The hash of its text and metadata.</param>
/// <param name="Chunks">Its chunks in document order (none for a document with no text).</param>
public sealed record DocumentWrite(string DocumentId, string ContentHash, IReadOnlyList<ChunkWrite> Chunks);

/// <summary>What one <see cref="IIngestionStore.CommitAsync"/> writes as a unit.</summary>
/// <param name="Writes">The documents added or replaced.</param>
/// <param name="Deletes">The ids of documents to remove with their chunks.</param>
public sealed record IngestionBatch(IReadOnlyList<DocumentWrite> Writes, IReadOnlyList<string> Deletes);
