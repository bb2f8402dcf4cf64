using System.Text;
using LlmKit.Rag.Ingestion;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Vectors;

namespace LlmKit.Rag.Persistence;

/// <summary>
/// One file holding everything the in-process retrieval needs to restart without re-embedding: the BM25 index, the
/// vector index, the chunk store and the ingestion state (content hashes per document), stamped with the embedder that
/// made the vectors. Written by <see cref="IngestionPipeline.SaveSnapshotAsync"/>, read by <see cref="Load"/>.
/// </summary>
/// <remarks>
/// Layout: the magic <c>LlmKit.Retrieval</c>, a version, the embedder id, then the four sections (each with its own magic
/// and version) and an end marker, so a truncated file or a file of another kind is refused with a clear message
/// rather than half-loaded. Files are replaced atomically (written aside, then renamed over the old one).
/// </remarks>
public static class RetrievalSnapshot
{
    private const string Magic = "LlmKit.Retrieval";
    private const string EndMarker = "LlmKit.Retrieval.End";
    private const int Version = 1;

    /// <summary>Reads a snapshot file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="expectedEmbedderId">
    /// The id of the embedder the application uses now (see <see cref="EmbedderIdOf"/>); a snapshot made by another one is
    /// refused, because its vectors are not comparable with new query vectors.
    /// </param>
    /// <returns>The loaded indexes and ingestion state.</returns>
    /// <exception cref="InvalidDataException">The file is not a retrieval snapshot, is truncated, or was made with another embedder.</exception>
    public static LoadedRetrieval Load(string path, string expectedEmbedderId)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(expectedEmbedderId);
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            SnapshotFormat.ReadHeader(reader, Magic, Version, "retrieval");
            string embedderId = reader.ReadString();
            if (embedderId != expectedEmbedderId)
            {
                throw new InvalidDataException($"'{path}' was embedded with '{embedderId}', but the application now embeds with '{expectedEmbedderId}'. Delete the snapshot to re-embed, or configure the same embedder.");
            }

            var keyword = Bm25Index.Load(stream);
            var vectors = VectorIndex.Load(stream);
            var chunks = ChunkStore.Load(stream);
            var state = IngestionState.Read(reader);
            if (reader.ReadString() != EndMarker)
            {
                throw new InvalidDataException($"'{path}' is corrupt: its sections do not end where expected.");
            }

            return new LoadedRetrieval(keyword, vectors, chunks, state, embedderId);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"'{path}' is truncated: it is not a complete retrieval snapshot.", ex);
        }
        catch (InvalidDataException ex) when (!ex.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{path}': {ex.Message}", ex);
        }
    }

    /// <summary>Returns the id a snapshot records for an embedder: its provider, model and dimensions.</summary>
    /// <param name="metadata">The embedder's metadata.</param>
    /// <returns>The id.</returns>
    public static string EmbedderIdOf(Microsoft.Extensions.AI.EmbeddingGeneratorMetadata? metadata) =>
        $"{metadata?.ProviderName ?? "unknown"}/{metadata?.DefaultModelId ?? "unknown"}/{metadata?.DefaultModelDimensions?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}";

    internal static void Write(string path, string embedderId, Bm25Index keyword, VectorIndex vectors, ChunkStore chunks, IngestionState state)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = File.Create(temporary))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                SnapshotFormat.WriteHeader(writer, Magic, Version);
                writer.Write(embedderId);
                writer.Flush();
                keyword.Save(stream);
                vectors.Save(stream);
                chunks.Save(stream);
                state.Write(writer);
                writer.Write(EndMarker);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}

/// <summary>What <see cref="RetrievalSnapshot.Load"/> returns: pass the parts to the indexes' users and the state to the pipeline.</summary>
/// <param name="Keyword">The BM25 index.</param>
/// <param name="Vectors">The vector index.</param>
/// <param name="Chunks">The chunk store.</param>
/// <param name="State">The ingestion state, for <see cref="IngestionPipeline"/>'s constructor.</param>
/// <param name="EmbedderId">The embedder the vectors were made with.</param>
public sealed record LoadedRetrieval(Bm25Index Keyword, VectorIndex Vectors, ChunkStore Chunks, IngestionState State, string EmbedderId);

/// <summary>The ingestion pipeline's memory of what it indexed: each document's content hash and chunk ids.</summary>
public sealed class IngestionState
{
    private const string Magic = "LlmKit.Ingestion";
    private const int Version = 1;

    internal IngestionState(IReadOnlyList<(string DocumentId, string Hash, IReadOnlyList<string> ChunkIds, bool Deleted)> documents) => Documents = documents;

    /// <summary>Gets the number of documents recorded (soft-deleted ones included).</summary>
    public int Count => Documents.Count;

    internal IReadOnlyList<(string DocumentId, string Hash, IReadOnlyList<string> ChunkIds, bool Deleted)> Documents { get; }

    internal static IngestionState Read(BinaryReader reader)
    {
        SnapshotFormat.ReadHeader(reader, Magic, Version, "ingestion state");
        int count = reader.ReadInt32();
        var documents = new List<(string, string, IReadOnlyList<string>, bool)>(count);
        for (int i = 0; i < count; i++)
        {
            string id = reader.ReadString();
            string hash = reader.ReadString();
            bool deleted = reader.ReadBoolean();
            var chunkIds = new string[reader.ReadInt32()];
            for (int c = 0; c < chunkIds.Length; c++)
            {
                chunkIds[c] = reader.ReadString();
            }

            documents.Add((id, hash, chunkIds, deleted));
        }

        return new IngestionState(documents);
    }

    internal void Write(BinaryWriter writer)
    {
        SnapshotFormat.WriteHeader(writer, Magic, Version);
        writer.Write(Documents.Count);
        foreach (var (id, hash, chunkIds, deleted) in Documents)
        {
            writer.Write(id);
            writer.Write(hash);
            writer.Write(deleted);
            writer.Write(chunkIds.Count);
            foreach (string chunkId in chunkIds)
            {
                writer.Write(chunkId);
            }
        }
    }
}
