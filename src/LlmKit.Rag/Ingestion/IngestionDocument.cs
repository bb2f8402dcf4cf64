using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Ingestion;

/// <summary>A source document to ingest.</summary>
/// <param name="Id">A stable id; ingesting the same id again updates the document.</param>
/// <param name="Text">The text.</param>
/// <param name="Metadata">Metadata searches can filter on; <see langword="null"/> for <see cref="DocumentMetadata.Empty"/>.</param>
public sealed record IngestionDocument(string Id, string Text, DocumentMetadata? Metadata = null);

/// <summary>What ingestion did with one document.</summary>
public enum IngestionStatus
{
    /// <summary>The document was new and is now indexed.</summary>
    Added,

    /// <summary>The document had changed and its chunks were replaced.</summary>
    Updated,

    /// <summary>The document had not changed; nothing was chunked or embedded.</summary>
    Unchanged,

    /// <summary>The document was removed from the indexes.</summary>
    Deleted,

    /// <summary>The document could not be indexed; the indexes still hold its previous version, if any.</summary>
    Failed,
}

/// <summary>The outcome for one document.</summary>
/// <param name="DocumentId">The document id.</param>
/// <param name="Status">What happened.</param>
/// <param name="ChunkCount">The number of chunks now indexed for the document.</param>
/// <param name="Error">Why it failed, for <see cref="IngestionStatus.Failed"/>.</param>
/// <param name="Exception">The exception behind a failure, when there was one.</param>
public sealed record DocumentIngestionResult(string DocumentId, IngestionStatus Status, int ChunkCount, string? Error = null, Exception? Exception = null);

/// <summary>The outcome of an ingestion run: one entry per document, in input order (deletions last).</summary>
/// <param name="Documents">The per-document results.</param>
public sealed record IngestionReport(IReadOnlyList<DocumentIngestionResult> Documents)
{
    /// <summary>Gets how many documents ended with <paramref name="status"/>.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The count.</returns>
    public int CountOf(IngestionStatus status) => Documents.Count(d => d.Status == status);

    /// <summary>Gets the failed documents.</summary>
    public IEnumerable<DocumentIngestionResult> Failures => Documents.Where(d => d.Status == IngestionStatus.Failed);
}

/// <summary>Options for <see cref="IngestionPipeline"/>.</summary>
public sealed class IngestionOptions
{
    /// <summary>Gets or sets how many documents are chunked and embedded together and committed as one unit.</summary>
    /// <value>The default value is 32. A failed embedding call fails only its batch; earlier batches stay committed.</value>
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int BatchSize { get; set; } = 32;
}
