using System.Collections.Concurrent;
using System.Text;
using LlmKit.Rag.Persistence;
using LlmKit.Rag.Retrievers;
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
public sealed class ChunkStore : IChunkSource
{
    private const string SnapshotMagic = "LlmKit.Chunks";
    private const int SnapshotVersion = 1;
    private readonly ConcurrentDictionary<string, StoredChunk> _chunks = new(StringComparer.Ordinal);

    /// <summary>Reads a store written by <see cref="Save"/>.</summary>
    /// <param name="stream">A readable stream positioned at the snapshot, left open.</param>
    /// <returns>The store.</returns>
    /// <exception cref="InvalidDataException">The stream is not a chunk store snapshot, is of another version, or is truncated.</exception>
    public static ChunkStore Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        SnapshotFormat.ReadHeader(reader, SnapshotMagic, SnapshotVersion, "chunk store");
        try
        {
            var store = new ChunkStore();
            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string chunkId = reader.ReadString();
                string documentId = reader.ReadString();
                string text = reader.ReadString();
                int start = reader.ReadInt32();
                int length = reader.ReadInt32();
                var headings = new string[reader.ReadInt32()];
                for (int h = 0; h < headings.Length; h++)
                {
                    headings[h] = reader.ReadString();
                }

                store.Set(new StoredChunk(chunkId, documentId, text, start, length, headings, SnapshotFormat.ReadMetadata(reader)));
            }

            return store;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The chunk store snapshot is truncated.", ex);
        }
    }

    /// <summary>Writes every chunk to <paramref name="stream"/>; <see cref="Load"/> reads them back.</summary>
    /// <param name="stream">A writable stream, left open.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var chunks = _chunks.Values.OrderBy(c => c.ChunkId, StringComparer.Ordinal).ToList();
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        SnapshotFormat.WriteHeader(writer, SnapshotMagic, SnapshotVersion);
        writer.Write(chunks.Count);
        foreach (var chunk in chunks)
        {
            writer.Write(chunk.ChunkId);
            writer.Write(chunk.DocumentId);
            writer.Write(chunk.Text);
            writer.Write(chunk.Start);
            writer.Write(chunk.Length);
            writer.Write(chunk.HeadingPath.Count);
            foreach (string heading in chunk.HeadingPath)
            {
                writer.Write(heading);
            }

            SnapshotFormat.WriteMetadata(writer, chunk.Metadata);
        }
    }

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

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, StoredChunk>> GetChunksAsync(IReadOnlyCollection<string> chunkIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        var found = new Dictionary<string, StoredChunk>(chunkIds.Count, StringComparer.Ordinal);
        foreach (string id in chunkIds)
        {
            if (_chunks.TryGetValue(id, out var chunk))
            {
                found[id] = chunk;
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, StoredChunk>>(found);
    }
}
