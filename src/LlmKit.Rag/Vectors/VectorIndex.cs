using LlmKit.Kernels;
using System.Text;
using LlmKit.Rag.Persistence;
using LlmKit.Rag.Retrievers;

namespace LlmKit.Rag.Vectors;

/// <summary>
/// An exact vector index on <see cref="SimilarityKernels"/>: upsert and remove by id, top-k search with metadata
/// pre-filtering, and maximal-marginal-relevance selection among candidates.
/// </summary>
/// <remarks>
/// The filter is turned into a row allow-list before any row is scored, so the kernels rank only allowed rows.
/// Searches may run concurrently; writes take an exclusive lock.
/// </remarks>
public sealed class VectorIndex : IVectorSearch, IDisposable
{
    private const string SnapshotMagic = "LlmKit.Vectors";
    private const int SnapshotVersion = 1;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly EmbeddingMatrix _matrix;
    private readonly SimilarityKernels _kernels;
    private readonly bool _ownsKernels;

    // Matrix rows ↔ ids; rows stay dense (a removed row is filled with the last one).
    private readonly IdMap _ids = new();
    private readonly List<DocumentMetadata> _metadata = [];

    /// <summary>Initializes a new instance of the <see cref="VectorIndex"/> class.</summary>
    /// <param name="dimensions">The length of every vector.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <param name="kernels">The kernels to search with (share the application's singleton); <see langword="null"/> to create CPU defaults.</param>
    public VectorIndex(int dimensions, VectorIndexOptions? options = null, SimilarityKernels? kernels = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Options = options ?? new VectorIndexOptions();
        _matrix = new EmbeddingMatrix(dimensions);
        _ownsKernels = kernels is null;
        _kernels = kernels ?? new SimilarityKernels();
    }

    /// <summary>Gets the options.</summary>
    public VectorIndexOptions Options { get; }

    /// <summary>Gets the length of every vector.</summary>
    public int Dimensions => _matrix.Dimensions;

    /// <summary>Gets the number of vectors.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _ids.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Returns whether a vector with this id is present.</summary>
    /// <param name="id">The id.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool Contains(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        _lock.EnterReadLock();
        try
        {
            return _ids.Contains(id);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Returns the ids in the index.</summary>
    /// <returns>A snapshot of the ids, in no particular order.</returns>
    public IReadOnlyList<string> GetIds()
    {
        _lock.EnterReadLock();
        try
        {
            return _ids.ToList();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Gets the metadata stored with an id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="metadata">The metadata, when found.</param>
    /// <returns><see langword="true"/> when the id is present.</returns>
    public bool TryGetMetadata(string id, out DocumentMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(id);
        _lock.EnterReadLock();
        try
        {
            if (_ids.TryGetOrdinal(id, out int row))
            {
                metadata = _metadata[row];
                return true;
            }

            metadata = DocumentMetadata.Empty;
            return false;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Adds a vector, or replaces the vector and metadata stored under the same id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="vector">The vector; its length must equal <see cref="Dimensions"/> and its values be finite.</param>
    /// <param name="metadata">The metadata searches filter on; <see langword="null"/> for <see cref="DocumentMetadata.Empty"/>.</param>
    /// <exception cref="ArgumentException">The vector has the wrong length or a value that is not finite.</exception>
    public void Upsert(string id, ReadOnlySpan<float> vector, DocumentMetadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"The vector has {vector.Length} values; the index has {Dimensions} dimensions.", nameof(vector));
        }

        _lock.EnterWriteLock();
        try
        {
            if (_ids.Contains(id))
            {
                RemoveCore(id);
            }

            int row = _matrix.Add(vector);
            int slot = _ids.Add(id);
            System.Diagnostics.Debug.Assert(slot == row, "The id map and the matrix number rows alike.");

            _metadata.Add(metadata ?? DocumentMetadata.Empty);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes a vector.</summary>
    /// <param name="id">The id.</param>
    /// <returns><see langword="true"/> when it was present.</returns>
    public bool Remove(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        _lock.EnterWriteLock();
        try
        {
            return RemoveCore(id);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Returns a copy of the vector stored under an id, or <see langword="null"/>.</summary>
    /// <param name="id">The id.</param>
    /// <returns>The vector, or <see langword="null"/> when the id is absent.</returns>
    public float[]? GetVector(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        _lock.EnterReadLock();
        try
        {
            return _ids.TryGetOrdinal(id, out int row) ? _matrix.GetRow(row) : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Returns the <paramref name="top"/> vectors most similar to <paramref name="query"/> among those the filter allows.</summary>
    /// <param name="query">The query vector.</param>
    /// <param name="top">How many results at most.</param>
    /// <param name="filter">Applied before scoring; <see langword="null"/> allows everything.</param>
    /// <returns>The results, best first (for <see cref="SimilarityMetric.L2"/> the score is the distance).</returns>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int top = 10, MetadataFilter? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        _lock.EnterReadLock();
        try
        {
            if (_ids.Count == 0)
            {
                return [];
            }

            RowFilter? rows = filter is null ? null : BuildRowFilter(filter);
            if (rows is { AllowedCount: 0 })
            {
                return [];
            }

            var scored = _kernels.TopK(_matrix, query, top, Options.Metric, rows);
            var hits = new SearchHit[scored.Length];
            for (int i = 0; i < scored.Length; i++)
            {
                hits[i] = new SearchHit(_ids[scored[i].Row]!, scored[i].Score);
            }

            return hits;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    Task<IReadOnlyList<SearchHit>> IVectorSearch.SearchAsync(ReadOnlyMemory<float> query, int top, MetadataFilter? filter, CancellationToken cancellationToken) =>
        Task.FromResult(Search(query.Span, top, filter));

    /// <inheritdoc />
    Task<IReadOnlyDictionary<string, ReadOnlyMemory<float>>> IVectorSearch.GetVectorsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var found = new Dictionary<string, ReadOnlyMemory<float>>(ids.Count, StringComparer.Ordinal);
        foreach (string id in ids)
        {
            if (GetVector(id) is { } vector)
            {
                found[id] = vector;
            }
        }

        return Task.FromResult<IReadOnlyDictionary<string, ReadOnlyMemory<float>>>(found);
    }

    /// <summary>
    /// Chooses up to <paramref name="top"/> of <paramref name="candidateIds"/> that are relevant to the query and
    /// different from each other (maximal marginal relevance); ids not in the index are ignored.
    /// </summary>
    /// <param name="query">The query vector.</param>
    /// <param name="candidateIds">The candidates, typically the fused results of a hybrid search.</param>
    /// <param name="top">How many to choose at most.</param>
    /// <param name="lambda">1 ranks by relevance only; 0 by diversity only.</param>
    /// <returns>The chosen ids in the order chosen, each with its relevance score.</returns>
    public IReadOnlyList<SearchHit> SelectDiverse(ReadOnlySpan<float> query, IReadOnlyList<string> candidateIds, int top, float lambda)
    {
        ArgumentNullException.ThrowIfNull(candidateIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        _lock.EnterReadLock();
        try
        {
            var rows = new List<int>(candidateIds.Count);
            var seen = new HashSet<int>();
            foreach (string id in candidateIds)
            {
                if (_ids.TryGetOrdinal(id, out int row) && seen.Add(row))
                {
                    rows.Add(row);
                }
            }

            if (rows.Count == 0)
            {
                return [];
            }

            var chosen = _kernels.SelectMmr(_matrix, query, rows.ToArray(), top, lambda, Options.Metric);
            return chosen.Select(c => new SearchHit(_ids[c.Row]!, c.Score)).ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Writes the vectors, ids and metadata to <paramref name="stream"/>; <see cref="Load"/> reads them back.</summary>
    /// <param name="stream">A writable stream, left open.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _lock.EnterReadLock();
        try
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            SnapshotFormat.WriteHeader(writer, SnapshotMagic, SnapshotVersion);
            writer.Write(Dimensions);
            writer.Write((int)Options.Metric);
            writer.Write(_ids.Count);
            var row = new float[Dimensions];
            for (int i = 0; i < _ids.Count; i++)
            {
                writer.Write(_ids[i]!);
                SnapshotFormat.WriteMetadata(writer, _metadata[i]);
                _matrix.GetRow(i).CopyTo(row, 0);
                writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Reads an index written by <see cref="Save"/>.</summary>
    /// <param name="stream">A readable stream positioned at the snapshot, left open.</param>
    /// <param name="kernels">The kernels to search with; <see langword="null"/> for CPU defaults.</param>
    /// <returns>The index.</returns>
    /// <exception cref="InvalidDataException">The stream is not a vector index snapshot, is of another version, or is truncated.</exception>
    public static VectorIndex Load(Stream stream, SimilarityKernels? kernels = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        SnapshotFormat.ReadHeader(reader, SnapshotMagic, SnapshotVersion, "vector index");
        try
        {
            int dimensions = reader.ReadInt32();
            var metric = (SimilarityMetric)reader.ReadInt32();
            int count = reader.ReadInt32();
            if (dimensions < 1 || count < 0 || !Enum.IsDefined(metric))
            {
                throw new InvalidDataException("The vector index snapshot is corrupt (dimensions, metric or count out of range).");
            }

            var index = new VectorIndex(dimensions, new VectorIndexOptions { Metric = metric }, kernels);
            var row = new float[dimensions];
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan());
            for (int i = 0; i < count; i++)
            {
                string id = reader.ReadString();
                var metadata = SnapshotFormat.ReadMetadata(reader);
                if (reader.Read(bytes) != bytes.Length)
                {
                    throw new EndOfStreamException();
                }

                index.Upsert(id, row, metadata);
            }

            return index;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("The vector index snapshot is truncated.", ex);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _matrix.Dispose();
        if (_ownsKernels)
        {
            _kernels.Dispose();
        }

        _lock.Dispose();
    }

    private RowFilter BuildRowFilter(MetadataFilter filter)
    {
        var rows = new RowFilter(_ids.Count);
        for (int row = 0; row < _metadata.Count; row++)
        {
            if (filter.Matches(_metadata[row]))
            {
                rows[row] = true;
            }
        }

        return rows;
    }

    private bool RemoveCore(string id)
    {
        if (!_ids.Remove(id, out int row))
        {
            return false;
        }

        // The matrix fills the hole with its last row; mirror that move in the id map and the metadata list.
        int moved = _matrix.Remove(row);
        int last = _ids.SlotCount - 1;
        if (moved != row && moved >= 0)
        {
            _ids.Move(moved, row);
            _metadata[row] = _metadata[moved];
        }

        _ids.Truncate(last);
        _metadata.RemoveAt(last);
        return true;
    }
}
