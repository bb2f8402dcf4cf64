using System.Collections.Concurrent;
using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Ingestion;

/// <summary>A chunk as stored for retrieval: its text, where it came from, and its metadata.</summary>
/// <param name="ChunkId">The chunk id used in both indexes.</param>
/// <param name="DocumentId">The id of the source document.</param>
/// <param name="Text">The chunk text.</param>
/// <param name="Start">The chunk's offset in the source document.</param>
/// <param name="Length">The chunk's length in the source document.</param>
/// <param name="HeadingPath">The markdown headings above the chunk, if any.</param>
/// <param name="Metadata">The source document's metadata.</param>
public sealed record StoredChunk(string ChunkId, string DocumentId, string Text, int Start, int Length, IReadOnlyList<string> HeadingPath, DocumentMetadata Metadata);

/// <summary>Holds chunk texts and provenance by chunk id, so search results can carry their text and rerankers can read it.</summary>
public sealed class ChunkStore
{
    private readonly ConcurrentDictionary<string, StoredChunk> _chunks = new(StringComparer.Ordinal);

    /// <summary>Gets the number of chunks stored.</summary>
    public int Count => _chunks.Count;

    /// <summary>Stores or replaces a chunk.</summary>
    /// <param name="chunk">The chunk.</param>
    public void Set(StoredChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        _chunks[chunk.ChunkId] = chunk;
    }

    /// <summary>Removes a chunk.</summary>
    /// <param name="chunkId">The chunk id.</param>
    /// <returns><see langword="true"/> when it was present.</returns>
    public bool Remove(string chunkId) => _chunks.TryRemove(chunkId, out _);

    /// <summary>Gets a chunk by id.</summary>
    /// <param name="chunkId">The chunk id.</param>
    /// <param name="chunk">The chunk, when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGet(string chunkId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StoredChunk? chunk) =>
        _chunks.TryGetValue(chunkId, out chunk);
}
