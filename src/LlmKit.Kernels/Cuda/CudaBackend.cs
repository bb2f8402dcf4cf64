using System.Runtime.InteropServices;

namespace LlmKit.Kernels.Cuda;

/// <summary>
/// Runs top-k on an NVIDIA GPU through the CUDA driver API. The matrix is copied to the device once (row-major, float
/// or half, with its squared norms) and stays there until the matrix changes; each call uploads only its queries and
/// filter, runs the block-selection kernel and the merge kernel, and copies back k results per query.
/// </summary>
/// <remarks>
/// The probe happens once, lazily: loading the driver, finding the device, checking compute capability 8.0 or newer,
/// and JIT-loading the embedded PTX. Any failure leaves <see cref="Status"/> unavailable with the reason. GPU work is
/// serialized by a lock: one context, one stream.
/// </remarks>
internal sealed unsafe class CudaBackend : IDisposable
{
    private const int Threads = 256;
    private const int QueryTile = 8;
    private const int CuDeviceAttributeMultiprocessorCount = 16;
    private const int CuDeviceAttributeComputeCapabilityMajor = 75;

    private readonly object gate = new();
    private readonly CudaDriver? driver;
    private readonly int device;
    private readonly nint context;
    private readonly nint module;
    private readonly nint scoreF32;
    private readonly nint scoreF16;
    private readonly nint merge;
    private readonly int multiprocessors;
    private bool disposed;

    public CudaBackend(int deviceOrdinal)
    {
        byte[]? ptx = ReadPtx();
        if (ptx is null)
        {
            Status = new CudaStatus(false, "PTX not built: the assembly has no embedded kernels (run src/LlmKit.Kernels/Cuda/build-ptx.sh and rebuild).");
            return;
        }

        driver = CudaDriver.TryLoad(out string reason);
        if (driver is null)
        {
            Status = new CudaStatus(false, reason);
            return;
        }

        string? name = null;
        try
        {
            driver.Init();
            int count = driver.DeviceCount();
            if (deviceOrdinal >= count)
            {
                Status = new CudaStatus(false, $"CUDA device {deviceOrdinal} requested; the driver reports {count} device(s).");
                driver = null;
                return;
            }

            device = driver.Device(deviceOrdinal);
            name = driver.DeviceName(device);
            int major = driver.Attribute(device, CuDeviceAttributeComputeCapabilityMajor);
            if (major < 8)
            {
                Status = new CudaStatus(false, $"{name} has compute capability {major}.x; the kernels need 8.0 or newer.", name);
                driver = null;
                return;
            }

            multiprocessors = driver.Attribute(device, CuDeviceAttributeMultiprocessorCount);
            context = driver.RetainPrimaryContext(device);
            driver.SetCurrent(context);
            module = driver.LoadModule(ptx);
            scoreF32 = driver.Function(module, "llmkit_score_topk_f32");
            scoreF16 = driver.Function(module, "llmkit_score_topk_f16");
            merge = driver.Function(module, "llmkit_merge_topk");
            Status = new CudaStatus(true, $"{name} (compute capability {major}.x, {multiprocessors} multiprocessors).", name);
        }
        catch (CudaException ex)
        {
            Status = new CudaStatus(false, $"CUDA initialization failed: {ex.Message}", name);
            driver = null;
        }
    }

    public CudaStatus Status { get; }

    public static bool Supports(EmbeddingMatrix matrix, int k) =>
        matrix.Storage != EmbeddingStorage.Int8 && k <= KernelConstants.CudaMaxK;

    public TopKCollector[] TopK(EmbeddingMatrix matrix, PreparedQueries queries, int k, SimilarityMetric metric, RowFilter? filter)
    {
        var collectors = new TopKCollector[queries.Count];
        for (int q = 0; q < collectors.Length; q++)
        {
            collectors[q] = new TopKCollector(k);
        }

        if (matrix.Count == 0 || k == 0 || queries.Count == 0)
        {
            return collectors;
        }

        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var cuda = driver ?? throw new InvalidOperationException(Status.Reason);
            cuda.SetCurrent(context);
            var resident = Resident(matrix);
            int tiles = (queries.Count + QueryTile - 1) / QueryTile;
            // Enough blocks to fill the GPU a few times over; each keeps k per query, so fewer, longer blocks when the
            // batch alone fills the device.
            int rangesWanted = Math.Max(1, multiprocessors * 4 / tiles);
            int rowsPerBlock = Math.Max(256, (int)Math.Ceiling(matrix.Count / (double)rangesWanted));
            int ranges = (matrix.Count + rowsPerBlock - 1) / rowsPerBlock;
            long candidates = (long)queries.Count * ranges * k;

            ulong dQueries = 0, dSquared = 0, dInverse = 0, dFilter = 0, dKeys = 0, dRows = 0, dOutKeys = 0, dOutRows = 0;
            try
            {
                dQueries = Upload(cuda, queries.Values.AsSpan(0, queries.Count * queries.Dimensions));
                dSquared = Upload(cuda, queries.SquaredNorms.AsSpan(0, queries.Count));
                dInverse = Upload(cuda, queries.InverseNorms.AsSpan(0, queries.Count));
                int filterRows = 0;
                if (filter is not null)
                {
                    filterRows = filter.RowCount;
                    dFilter = Upload(cuda, FilterWords(filter));
                }

                dKeys = cuda.Alloc(candidates * 4);
                dRows = cuda.Alloc(candidates * 4);
                dOutKeys = cuda.Alloc((long)queries.Count * k * 4);
                dOutRows = cuda.Alloc((long)queries.Count * k * 4);

                ulong dMatrix = resident.Values, dRowSq = resident.SquaredNorms;
                int rows = matrix.Count, dims = matrix.Dimensions, queryCount = queries.Count, metricValue = (int)metric, kk = k;
                void** args = stackalloc void*[15];
                args[0] = &dMatrix; args[1] = &dRowSq; args[2] = &rows; args[3] = &dims;
                args[4] = &dQueries; args[5] = &dSquared; args[6] = &dInverse; args[7] = &queryCount;
                args[8] = &dFilter; args[9] = &filterRows; args[10] = &metricValue; args[11] = &kk; args[12] = &rowsPerBlock;
                args[13] = &dKeys; args[14] = &dRows;
                cuda.Launch(matrix.Storage == EmbeddingStorage.Float16 ? scoreF16 : scoreF32, (uint)ranges, (uint)tiles, Threads, args);

                int lists = ranges;
                void** mergeArgs = stackalloc void*[6];
                mergeArgs[0] = &dKeys; mergeArgs[1] = &dRows; mergeArgs[2] = &lists; mergeArgs[3] = &kk;
                mergeArgs[4] = &dOutKeys; mergeArgs[5] = &dOutRows;
                cuda.Launch(merge, (uint)queries.Count, 1, Threads, mergeArgs);
                cuda.Synchronize();

                var keys = new float[queries.Count * k];
                var rowIds = new int[queries.Count * k];
                fixed (float* pk = keys)
                fixed (int* pr = rowIds)
                {
                    cuda.CopyToHost(pk, dOutKeys, keys.Length * 4L);
                    cuda.CopyToHost(pr, dOutRows, rowIds.Length * 4L);
                }

                for (int q = 0; q < queries.Count; q++)
                {
                    for (int i = 0; i < k; i++)
                    {
                        int row = rowIds[(q * k) + i];
                        if (row >= 0)
                        {
                            collectors[q].Offer(keys[(q * k) + i], row);
                        }
                    }
                }
            }
            finally
            {
                foreach (ulong pointer in new[] { dQueries, dSquared, dInverse, dFilter, dKeys, dRows, dOutKeys, dOutRows })
                {
                    cuda.Free(pointer);
                }
            }
        }

        return collectors;
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed || driver is null)
            {
                disposed = true;
                return;
            }

            disposed = true;
            driver.SetCurrent(context);
            driver.UnloadModule(module);
            driver.ReleasePrimaryContext(device);
        }
    }

    internal static byte[]? ReadPtx()
    {
        using var stream = typeof(CudaBackend).Assembly.GetManifestResourceStream("LlmKit.Kernels.Cuda.topk.ptx");
        if (stream is null)
        {
            return null;
        }

        var bytes = new byte[stream.Length + 1];
        stream.ReadExactly(bytes, 0, (int)stream.Length);
        return bytes; // cuModuleLoadData reads PTX as a NUL-terminated string.
    }

    private static ulong Upload<T>(CudaDriver cuda, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        ulong pointer = cuda.Alloc((long)values.Length * sizeof(T));
        fixed (T* p = values)
        {
            cuda.CopyToDevice(pointer, p, (long)values.Length * sizeof(T));
        }

        return pointer;
    }

    private static uint[] FilterWords(RowFilter filter)
    {
        var words = new uint[(filter.RowCount + 31) / 32];
        for (int row = 0; row < filter.RowCount; row++)
        {
            if (filter.IsAllowed(row))
            {
                words[row >> 5] |= 1u << row;
            }
        }

        return words;
    }

    /// <summary>Returns the device copy of a matrix, uploading it when the matrix changed since the last upload.</summary>
    private DeviceMatrix Resident(EmbeddingMatrix matrix)
    {
        if (matrix.DeviceCopy is DeviceMatrix existing && existing.Owner == this && existing.Version == matrix.Version)
        {
            return existing;
        }

        matrix.DeviceCopy?.Dispose();
        matrix.DeviceCopy = null;
        var cuda = driver!;
        int rows = matrix.Count, dims = matrix.Dimensions;
        int elementSize = matrix.Storage == EmbeddingStorage.Float16 ? 2 : 4;
        ulong values = cuda.Alloc((long)rows * dims * elementSize);
        ulong squared = 0;
        try
        {
            // Blocked host layout to row-major device layout, a slab of rows at a time to bound the host buffer.
            const int SlabRows = 4096;
            byte[] slab = new byte[(long)SlabRows * dims * elementSize];
            for (int start = 0; start < rows; start += SlabRows)
            {
                int count = Math.Min(SlabRows, rows - start);
                fixed (byte* p = slab)
                {
                    for (int r = 0; r < count; r++)
                    {
                        int row = start + r;
                        byte* block = matrix.Data + (row / EmbeddingMatrix.BlockRows * matrix.BlockBytes);
                        int lane = row % EmbeddingMatrix.BlockRows;
                        for (int d = 0; d < dims; d++)
                        {
                            if (elementSize == 4)
                            {
                                ((float*)p)[((long)r * dims) + d] = ((float*)block)[(d * EmbeddingMatrix.BlockRows) + lane];
                            }
                            else
                            {
                                ((ushort*)p)[((long)r * dims) + d] = ((ushort*)block)[(d * EmbeddingMatrix.BlockRows) + lane];
                            }
                        }
                    }

                    cuda.CopyToDevice(values + ((ulong)start * (ulong)dims * (ulong)elementSize), p, (long)count * dims * elementSize);
                }
            }

            squared = Upload(cuda, new ReadOnlySpan<float>(matrix.SquaredNorms, rows));
        }
        catch
        {
            cuda.Free(values);
            cuda.Free(squared);
            throw;
        }

        var copy = new DeviceMatrix(this, matrix.Version, values, squared);
        matrix.DeviceCopy = copy;
        return copy;
    }

    /// <summary>A matrix resident in device memory; freed when the matrix changes or is disposed.</summary>
    private sealed class DeviceMatrix(CudaBackend owner, long version, ulong values, ulong squaredNorms) : IDisposable
    {
        public CudaBackend Owner => owner;

        public long Version => version;

        public ulong Values => values;

        public ulong SquaredNorms => squaredNorms;

        public void Dispose()
        {
            lock (owner.gate)
            {
                if (!owner.disposed && owner.driver is { } cuda)
                {
                    cuda.SetCurrent(owner.context);
                    cuda.Free(values);
                    cuda.Free(squaredNorms);
                }
            }
        }
    }
}
