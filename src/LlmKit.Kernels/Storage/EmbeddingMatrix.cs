using System.Runtime.InteropServices;

namespace LlmKit.Kernels;

/// <summary>
/// A dense matrix of embeddings (rows × dimensions) in aligned native memory, laid out for the similarity kernels.
/// </summary>
/// <remarks>
/// <para>
/// Rows are numbered 0 to <see cref="Count"/> − 1 in the order they were added. <see cref="Remove"/> keeps the rows
/// dense by moving the last row into the removed slot (the only row whose index ever changes) and returns the index
/// that row had, so a caller mapping its own ids to rows updates exactly one entry.
/// </para>
/// <para>
/// Values must be finite: <see cref="Add"/> and <see cref="AddRange"/> reject NaN and infinities, so no stored row
/// scores NaN. Should a score still overflow to NaN, that row is left out of results.
/// </para>
/// <para>
/// Storage: rows are grouped in blocks of 16 and stored dimension-major inside a block (16 values of one dimension
/// side by side), so one SIMD load feeds 16 rows and scoring needs no horizontal sums. Any number of searches may read
/// a matrix at once; adding or removing rows needs exclusive access, as with <see cref="List{T}"/>.
/// </para>
/// </remarks>
public sealed unsafe partial class EmbeddingMatrix : IDisposable
{
    internal const int BlockRows = 16;

    /// <summary>Zeroed blocks allocated past the capacity, so unrolled kernels may read a few blocks beyond the last one.</summary>
    internal const int SlackBlocks = 4;

    private const int Alignment = 64;

    private readonly MatrixChangeJournal journal = new();
    private byte* data;
    private float* squaredNorms;
    private float* scales;
    private int* rowSums;
    private byte* rescoringRows;
    private float* rescoringNorms;
    private MappedMatrixFile? mapped;
    private int capacity;
    private bool disposed;

    /// <summary>Creates an empty matrix.</summary>
    /// <param name="dimensions">The length of every row.</param>
    /// <param name="storage">How values are stored.</param>
    /// <param name="capacity">Rows to reserve memory for up front.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public EmbeddingMatrix(int dimensions, EmbeddingStorage storage = EmbeddingStorage.Float32, int capacity = 0)
        : this(dimensions, storage, capacity, rescoringStorage: null)
    {
    }

    /// <summary>
    /// Creates an empty matrix that also keeps each row at a higher precision for re-scoring: searches scan the compact
    /// <paramref name="storage"/> rows, keep <see cref="KernelOptions.RescoreFactor"/> × k candidates, and re-score
    /// those against the <paramref name="rescoringStorage"/> rows, so results and scores are those of the precise rows
    /// unless the compact scan ranked a true result below all kept candidates.
    /// </summary>
    /// <param name="dimensions">The length of every row.</param>
    /// <param name="storage">How the scanned values are stored.</param>
    /// <param name="capacity">Rows to reserve memory for up front.</param>
    /// <param name="rescoringStorage">
    /// The precision of the copy kept for re-scoring (more precise than <paramref name="storage"/>: float16 or float32
    /// for int8 rows, float32 for float16 rows), or <see langword="null"/> for none.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range, or the re-scoring copy would not be more precise.</exception>
    public EmbeddingMatrix(int dimensions, EmbeddingStorage storage, int capacity, EmbeddingStorage? rescoringStorage)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimensions, 1 << 20);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (!Enum.IsDefined(storage))
        {
            throw new ArgumentOutOfRangeException(nameof(storage), storage, "Unknown storage.");
        }

        // Enum order is precision order: Float32 (0) > Float16 (1) > Int8 (2).
        if (rescoringStorage is { } rescoring && (!Enum.IsDefined(rescoring) || rescoring >= storage))
        {
            throw new ArgumentOutOfRangeException(nameof(rescoringStorage), rescoringStorage,
                $"The re-scoring copy must be more precise than {storage} storage.");
        }

        Dimensions = dimensions;
        Storage = storage;
        RescoringStorage = rescoringStorage;
        PaddedDimensions = storage == EmbeddingStorage.Int8 ? (dimensions + 3) & ~3 : dimensions;
        BlockBytes = (long)PaddedDimensions * BlockRows * ElementSize(storage);
        Grow(Math.Max(capacity, BlockRows));
    }

    /// <summary>Finalizes the matrix, releasing native memory the owner forgot to dispose.</summary>
    ~EmbeddingMatrix() => Free();

    /// <summary>Gets the length of every row.</summary>
    public int Dimensions { get; }

    /// <summary>Gets how values are stored.</summary>
    public EmbeddingStorage Storage { get; }

    /// <summary>Gets the precision of the copy kept for re-scoring candidates, or <see langword="null"/> when none is kept.</summary>
    public EmbeddingStorage? RescoringStorage { get; }

    /// <summary>Gets whether the matrix was loaded from a file and still reads it through a memory mapping.</summary>
    public bool IsMemoryMapped => mapped is not null;

    /// <summary>Gets the number of rows.</summary>
    public int Count { get; private set; }

    /// <summary>Gets the number of bytes of native memory the matrix holds.</summary>
    public long AllocatedBytes => DataBytes + (capacity * 12L) + RescoringBytes + (rescoringNorms == null ? 0 : capacity * 4L);

    /// <summary>Gets a number that changes whenever rows are added or removed (device copies use it to stay current).</summary>
    internal long Version { get; private set; }

    internal int PaddedDimensions { get; }

    internal long BlockBytes { get; }

    internal byte* Data => data;

    internal float* SquaredNorms => squaredNorms;

    internal float* Scales => scales;

    internal int* RowSums => rowSums;

    internal byte* RescoringRows => rescoringRows;

    internal float* RescoringNorms => rescoringNorms;

    internal int Capacity => capacity;

    internal long DataBytes => ((capacity / BlockRows) + SlackBlocks) * BlockBytes;

    internal long RescoringBytes => RescoringStorage is { } r ? (long)capacity * Dimensions * ElementSize(r) : 0;

    /// <summary>Gets the ranges of rows changed after <paramref name="version"/>, or false when a full copy is needed.</summary>
    internal bool TryGetChangesSince(long version, List<(int Start, int End)> ranges) => journal.TryGetChangesSince(version, ranges);

    internal int BlockCount => (Count + BlockRows - 1) / BlockRows;

    /// <summary>Appends one row.</summary>
    /// <param name="vector">The row; its length must equal <see cref="Dimensions"/>.</param>
    /// <returns>The index of the new row.</returns>
    /// <exception cref="ArgumentException">The length is wrong, or a value is not finite (or too large for float16).</exception>
    public int Add(ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"The vector has {vector.Length} values; this matrix has {Dimensions} dimensions.", nameof(vector));
        }

        return AddRange(vector);
    }

    /// <summary>Appends rows given one after another (row-major).</summary>
    /// <param name="vectors">The rows; the length must be a multiple of <see cref="Dimensions"/>.</param>
    /// <returns>The index of the first new row (the rest follow consecutively).</returns>
    /// <exception cref="ArgumentException">
    /// The length is not a multiple of <see cref="Dimensions"/>, or a value is not finite (or too large for float16).
    /// Every row is checked before any is stored, so a rejected call leaves the matrix unchanged.
    /// </exception>
    public int AddRange(ReadOnlySpan<float> vectors)
    {
        ThrowIfDisposed();
        if (vectors.Length % Dimensions != 0)
        {
            throw new ArgumentException($"The length {vectors.Length} is not a multiple of {Dimensions} dimensions.", nameof(vectors));
        }

        Validate(vectors);
        int rows = vectors.Length / Dimensions;
        int first = Count;
        if ((long)first + rows > int.MaxValue - BlockRows)
        {
            throw new InvalidOperationException("The matrix cannot hold more rows.");
        }

        if (first + rows > capacity)
        {
            Grow(Math.Max(first + rows, (int)Math.Min((long)capacity * 2, int.MaxValue - BlockRows)));
        }

        for (int i = 0; i < rows; i++)
        {
            WriteRow(first + i, vectors.Slice(i * Dimensions, Dimensions));
        }

        Count = first + rows;
        Version++;
        journal.Record(Version, first, first + rows);
        return first;
    }

    /// <summary>
    /// Removes a row by moving the last row into its slot.
    /// </summary>
    /// <param name="row">The row to remove.</param>
    /// <returns>
    /// The former index of the row that now lives at <paramref name="row"/> (always the old last index,
    /// <see cref="Count"/> after the call), or −1 when the removed row was the last one and nothing moved.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not a row of the matrix.</exception>
    public int Remove(int row)
    {
        ThrowIfDisposed();
        if ((uint)row >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"The matrix has {Count} rows.");
        }

        int last = Count - 1;
        int moved = -1;
        if (row != last)
        {
            MoveRow(last, row);
            moved = last;
        }

        ClearRow(last);
        Count = last;
        Version++;
        journal.Record(Version, row, row + 1);
        journal.Record(Version, last, last + 1);
        return moved;
    }

    /// <summary>Removes every row, keeping the memory for reuse.</summary>
    public void Clear()
    {
        ThrowIfDisposed();
        NativeMemory.Clear(data, (nuint)DataBytes);
        NativeMemory.Clear(squaredNorms, (nuint)capacity * 4);
        NativeMemory.Clear(scales, (nuint)capacity * 4);
        NativeMemory.Clear(rowSums, (nuint)capacity * 4);
        Count = 0;
        Version++;
        journal.Reset(Version);
    }

    /// <summary>
    /// Copies a row into <paramref name="destination"/>: the re-scoring copy when one is kept, else the row as stored
    /// (rounded to float16 or dequantized from int8).
    /// </summary>
    /// <param name="row">The row index.</param>
    /// <param name="destination">A span of at least <see cref="Dimensions"/> values.</param>
    public void CopyRow(int row, Span<float> destination)
    {
        ThrowIfDisposed();
        if ((uint)row >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"The matrix has {Count} rows.");
        }

        if (destination.Length < Dimensions)
        {
            throw new ArgumentException($"The destination needs room for {Dimensions} values.", nameof(destination));
        }

        if (RescoringStorage is not null)
        {
            for (int d = 0; d < Dimensions; d++)
            {
                destination[d] = GetRescoring(row, d);
            }

            return;
        }

        for (int d = 0; d < Dimensions; d++)
        {
            destination[d] = Get(row, d);
        }
    }

    /// <summary>Returns a copy of a row: the re-scoring copy when one is kept, else the row as stored.</summary>
    /// <param name="row">The row index.</param>
    /// <returns>A new array of <see cref="Dimensions"/> values.</returns>
    public float[] GetRow(int row)
    {
        var result = new float[Dimensions];
        CopyRow(row, result);
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <summary>Reads one stored value as a float (dequantized for int8); the scalar path and tests use it.</summary>
    internal float Get(int row, int d)
    {
        byte* block = data + (row / BlockRows * BlockBytes);
        int lane = row % BlockRows;
        return Storage switch
        {
            EmbeddingStorage.Float32 => ((float*)block)[(d * BlockRows) + lane],
            EmbeddingStorage.Float16 => (float)((Half*)block)[(d * BlockRows) + lane],
            _ => scales[row] * ((sbyte*)block)[((d >> 2) * BlockRows * 4) + (lane * 4) + (d & 3)],
        };
    }

    /// <summary>Reads one value of the re-scoring copy.</summary>
    internal float GetRescoring(int row, int d) => RescoringStorage == EmbeddingStorage.Float16
        ? (float)((Half*)rescoringRows)[((long)row * Dimensions) + d]
        : ((float*)rescoringRows)[((long)row * Dimensions) + d];

    /// <summary>Gets the squared norm of the most precise copy of a row (the re-scoring copy when kept).</summary>
    internal float PreciseSquaredNorm(int row) => rescoringNorms != null ? rescoringNorms[row] : squaredNorms[row];

    internal sbyte GetInt8(int row, int d) =>
        ((sbyte*)(data + (row / BlockRows * BlockBytes)))[((d >> 2) * BlockRows * 4) + (row % BlockRows * 4) + (d & 3)];

    internal static int ElementSize(EmbeddingStorage storage) => storage switch
    {
        EmbeddingStorage.Float32 => 4,
        EmbeddingStorage.Float16 => 2,
        _ => 1,
    };

    private void Validate(ReadOnlySpan<float> vectors)
    {
        float limit = Storage == EmbeddingStorage.Float16 ? 65504f : float.MaxValue;
        for (int i = 0; i < vectors.Length; i++)
        {
            float v = vectors[i];
            if (!float.IsFinite(v) || Math.Abs(v) > limit)
            {
                throw new ArgumentException(
                    $"Row {i / Dimensions} has the value {v} at dimension {i % Dimensions}; values must be finite" +
                    (Storage == EmbeddingStorage.Float16 ? " and within ±65504 for float16 storage." : "."),
                    nameof(vectors));
            }
        }
    }

    private void WriteRow(int row, ReadOnlySpan<float> vector)
    {
        byte* block = data + (row / BlockRows * BlockBytes);
        int lane = row % BlockRows;
        double sumSquares = 0;
        switch (Storage)
        {
            case EmbeddingStorage.Float32:
                for (int d = 0; d < Dimensions; d++)
                {
                    ((float*)block)[(d * BlockRows) + lane] = vector[d];
                    sumSquares += (double)vector[d] * vector[d];
                }

                break;
            case EmbeddingStorage.Float16:
                for (int d = 0; d < Dimensions; d++)
                {
                    Half h = (Half)vector[d];
                    ((Half*)block)[(d * BlockRows) + lane] = h;
                    double v = (double)(float)h;
                    sumSquares += v * v;
                }

                break;
            default:
                float maxAbs = 0;
                foreach (float v in vector)
                {
                    maxAbs = Math.Max(maxAbs, Math.Abs(v));
                }

                float scale = maxAbs / 127f;
                float inverse = scale == 0 ? 0 : 1f / scale;
                int sum = 0;
                for (int d = 0; d < Dimensions; d++)
                {
                    sbyte q = (sbyte)Math.Clamp((int)MathF.Round(vector[d] * inverse), -127, 127);
                    ((sbyte*)block)[((d >> 2) * BlockRows * 4) + (lane * 4) + (d & 3)] = q;
                    sum += q;
                    double v = (double)scale * q;
                    sumSquares += v * v;
                }

                scales[row] = scale;
                rowSums[row] = sum;
                break;
        }

        squaredNorms[row] = (float)sumSquares;
        if (RescoringStorage is { } rescoring)
        {
            double preciseSquares = 0;
            for (int d = 0; d < Dimensions; d++)
            {
                long index = ((long)row * Dimensions) + d;
                double v;
                if (rescoring == EmbeddingStorage.Float16)
                {
                    Half h = (Half)vector[d];
                    ((Half*)rescoringRows)[index] = h;
                    v = (float)h;
                }
                else
                {
                    ((float*)rescoringRows)[index] = vector[d];
                    v = vector[d];
                }

                preciseSquares += v * v;
            }

            rescoringNorms[row] = (float)preciseSquares;
        }
    }

    private void MoveRow(int from, int to)
    {
        for (int d = 0; d < PaddedDimensions; d++)
        {
            switch (Storage)
            {
                case EmbeddingStorage.Float32:
                    *(float*)Address(to, d) = *(float*)Address(from, d);
                    break;
                case EmbeddingStorage.Float16:
                    *(Half*)Address(to, d) = *(Half*)Address(from, d);
                    break;
                default:
                    *(sbyte*)Address(to, d) = *(sbyte*)Address(from, d);
                    break;
            }
        }

        squaredNorms[to] = squaredNorms[from];
        scales[to] = scales[from];
        rowSums[to] = rowSums[from];
        if (RescoringStorage is { } rescoring)
        {
            int rowBytes = Dimensions * ElementSize(rescoring);
            Buffer.MemoryCopy(rescoringRows + ((long)from * rowBytes), rescoringRows + ((long)to * rowBytes), rowBytes, rowBytes);
            rescoringNorms[to] = rescoringNorms[from];
        }
    }

    private void ClearRow(int row)
    {
        for (int d = 0; d < PaddedDimensions; d++)
        {
            switch (Storage)
            {
                case EmbeddingStorage.Float32:
                    *(float*)Address(row, d) = 0;
                    break;
                case EmbeddingStorage.Float16:
                    *(Half*)Address(row, d) = Half.Zero;
                    break;
                default:
                    *(sbyte*)Address(row, d) = 0;
                    break;
            }
        }

        squaredNorms[row] = 0;
        scales[row] = 0;
        rowSums[row] = 0;
        if (RescoringStorage is { } rescoring)
        {
            int rowBytes = Dimensions * ElementSize(rescoring);
            NativeMemory.Clear(rescoringRows + ((long)row * rowBytes), (nuint)rowBytes);
            rescoringNorms[row] = 0;
        }
    }

    private byte* Address(int row, int d)
    {
        byte* block = data + (row / BlockRows * BlockBytes);
        int lane = row % BlockRows;
        return Storage switch
        {
            EmbeddingStorage.Float32 => block + ((((long)d * BlockRows) + lane) * 4),
            EmbeddingStorage.Float16 => block + ((((long)d * BlockRows) + lane) * 2),
            _ => block + ((d >> 2) * BlockRows * 4) + (lane * 4) + (d & 3),
        };
    }

    private void Grow(int rows)
    {
        int newCapacity = (rows + BlockRows - 1) / BlockRows * BlockRows;
        long bytes = ((newCapacity / BlockRows) + SlackBlocks) * BlockBytes;
        int rescoringRowBytes = RescoringStorage is { } r ? Dimensions * ElementSize(r) : 0;
        byte* newData = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, Alignment);
        float* newNorms = (float*)NativeMemory.AlignedAlloc((nuint)newCapacity * 4, Alignment);
        float* newScales = (float*)NativeMemory.AlignedAlloc((nuint)newCapacity * 4, Alignment);
        int* newSums = (int*)NativeMemory.AlignedAlloc((nuint)newCapacity * 4, Alignment);
        byte* newRescoring = rescoringRowBytes == 0 ? null : (byte*)NativeMemory.AlignedAlloc((nuint)newCapacity * (nuint)rescoringRowBytes, Alignment);
        float* newRescoringNorms = rescoringRowBytes == 0 ? null : (float*)NativeMemory.AlignedAlloc((nuint)newCapacity * 4, Alignment);
        long oldBytes = capacity / BlockRows * BlockBytes;
        long oldAllocated = AllocatedBytes;
        if (data != null)
        {
            Buffer.MemoryCopy(data, newData, bytes, oldBytes);
            Buffer.MemoryCopy(squaredNorms, newNorms, newCapacity * 4L, capacity * 4L);
            Buffer.MemoryCopy(scales, newScales, newCapacity * 4L, capacity * 4L);
            Buffer.MemoryCopy(rowSums, newSums, newCapacity * 4L, capacity * 4L);
            if (newRescoring != null)
            {
                Buffer.MemoryCopy(rescoringRows, newRescoring, (long)newCapacity * rescoringRowBytes, (long)capacity * rescoringRowBytes);
                Buffer.MemoryCopy(rescoringNorms, newRescoringNorms, newCapacity * 4L, capacity * 4L);
            }
        }

        NativeMemory.Clear(newData + oldBytes, (nuint)(bytes - oldBytes));
        NativeMemory.Clear(newNorms + capacity, (nuint)(newCapacity - capacity) * 4);
        NativeMemory.Clear(newScales + capacity, (nuint)(newCapacity - capacity) * 4);
        NativeMemory.Clear(newSums + capacity, (nuint)(newCapacity - capacity) * 4);
        if (newRescoring != null)
        {
            NativeMemory.Clear(newRescoring + ((long)capacity * rescoringRowBytes), (nuint)((long)(newCapacity - capacity) * rescoringRowBytes));
            NativeMemory.Clear(newRescoringNorms + capacity, (nuint)(newCapacity - capacity) * 4);
        }

        bool wasNative = mapped is null && data != null;
        FreeBuffers();
        data = newData;
        squaredNorms = newNorms;
        scales = newScales;
        rowSums = newSums;
        rescoringRows = newRescoring;
        rescoringNorms = newRescoringNorms;
        capacity = newCapacity;
        GC.AddMemoryPressure(AllocatedBytes);
        if (wasNative)
        {
            GC.RemoveMemoryPressure(oldAllocated);
        }
    }

    /// <summary>Releases the buffers: native memory, or the file mapping they point into.</summary>
    private void FreeBuffers()
    {
        if (mapped is not null)
        {
            mapped.Dispose();
            mapped = null;
        }
        else
        {
            NativeMemory.AlignedFree(data);
            NativeMemory.AlignedFree(squaredNorms);
            NativeMemory.AlignedFree(scales);
            NativeMemory.AlignedFree(rowSums);
            NativeMemory.AlignedFree(rescoringRows);
            NativeMemory.AlignedFree(rescoringNorms);
        }
    }

    private void Free()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        long pressure = mapped is null && data != null ? AllocatedBytes : 0;
        FreeBuffers();
        data = null;
        squaredNorms = null;
        scales = null;
        rowSums = null;
        rescoringRows = null;
        rescoringNorms = null;
        if (pressure > 0)
        {
            GC.RemoveMemoryPressure(pressure);
        }

        DeviceCopy?.Dispose();
        DeviceCopy = null;
    }

    /// <summary>Gets or sets the copy of this matrix resident on a GPU, owned by the matrix so it dies with it.</summary>
    internal IDisposable? DeviceCopy { get; set; }
}
