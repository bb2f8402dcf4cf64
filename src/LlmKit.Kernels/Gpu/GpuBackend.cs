using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace LlmKit.Kernels.Gpu;

/// <summary>
/// Runs the kernels of <see cref="DeviceKernels"/> through ILGPU on the best accelerator present: CUDA, else OpenCL.
/// The matrix stays resident on the device and follows the host's changes row range by row range
/// (<see cref="DeviceMatrix"/>); each call uploads only its queries and filter and reads back k results per query.
/// </summary>
/// <remarks>
/// Kernels are compiled by ILGPU the first time each one is used (per storage type), so the first call of a kind pays
/// for compilation. GPU work is serialized by a lock: one accelerator, one stream.
/// </remarks>
internal sealed class GpuBackend : IDisposable
{
    private readonly object gate = new();
    private readonly Context? context;
    private readonly Accelerator? accelerator;
    private readonly int groupSize;
    private readonly Dictionary<(string Kernel, EmbeddingStorage Storage), Delegate> kernels = [];
    private bool disposed;

    public GpuBackend(int deviceIndex, bool useCpuSimulator)
    {
        try
        {
            if (useCpuSimulator)
            {
                // 8 warps of 4 threads: groups of 32 threads, so the shared-memory selection runs with real barriers.
                context = Context.Create(builder => builder.CPU(new CPUDevice(4, 8, 1)));
                accelerator = context.CreateCPUAccelerator(0);
                Status = new GpuStatus(true, GpuAccelerator.CpuSimulator, "ILGPU's CPU accelerator (testing the GPU kernels on the CPU).", accelerator.Name);
            }
            else
            {
                context = Context.Create(builder => builder.Cuda().OpenCL().Optimize(OptimizationLevel.O2));
                var cuda = context.GetCudaDevices();
                var openCl = context.GetCLDevices();
                Device? device = null;
                GpuAccelerator kind = GpuAccelerator.None;
                if (cuda.Count > 0)
                {
                    if (deviceIndex >= cuda.Count)
                    {
                        Status = Unavailable($"GPU device {deviceIndex} requested; CUDA reports {cuda.Count} device(s).");
                        return;
                    }

                    device = cuda[deviceIndex];
                    kind = GpuAccelerator.Cuda;
                }
                else if (openCl.Count > 0)
                {
                    if (deviceIndex >= openCl.Count)
                    {
                        Status = Unavailable($"GPU device {deviceIndex} requested; OpenCL reports {openCl.Count} device(s).");
                        return;
                    }

                    device = openCl[deviceIndex];
                    kind = GpuAccelerator.OpenCL;
                }

                if (device is null)
                {
                    Status = Unavailable("No CUDA device (no NVIDIA driver or GPU found) and no OpenCL 2.0 device.");
                    return;
                }

                accelerator = device.CreateAccelerator(context);
                Status = new GpuStatus(true, kind,
                    $"{kind}: {accelerator.Name} ({accelerator.NumMultiprocessors} multiprocessors, {accelerator.MemorySize / (1 << 20):N0} MiB).",
                    accelerator.Name);
            }

            groupSize = Math.Min(DeviceKernels.MaxGroupSize, accelerator.MaxNumThreadsPerGroup);
            if (groupSize < 2 * DeviceKernels.QueryTile)
            {
                Status = Unavailable($"{accelerator.Name} runs at most {groupSize} threads per group; the kernels need {2 * DeviceKernels.QueryTile}.");
            }
        }
#pragma warning disable CA1031 // Any failure to find or start an accelerator means "no GPU": reported, never thrown.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Status = Unavailable($"ILGPU could not start an accelerator: {ex.GetType().Name}: {ex.Message}");
        }
    }

    public GpuStatus Status { get; private set; } = null!;

    public static bool Supports(int k) => k <= DeviceKernels.MaxK;

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
            var gpu = Ready();
            var resident = Resident(matrix);
            int tiles = (queries.Count + DeviceKernels.QueryTile - 1) / DeviceKernels.QueryTile;

            // Enough groups to fill the device several times over; a batch's tiles already multiply the groups, so the
            // ranges get longer as the batch grows (each range costs k results per query to merge).
            int groupsWanted = Math.Max(1, gpu.NumMultiprocessors * 8 / tiles);
            int rowsPerRange = Math.Max(groupSize * 4, (int)Math.Ceiling(matrix.Count / (double)groupsWanted));
            int ranges = (matrix.Count + rowsPerRange - 1) / rowsPerRange;

            var queryNorms = new float[queries.Count * 2];
            for (int q = 0; q < queries.Count; q++)
            {
                queryNorms[2 * q] = queries.SquaredNorms[q];
                queryNorms[(2 * q) + 1] = queries.InverseNorms[q];
            }

            using var deviceQueries = Upload(gpu, queries.Values.AsSpan(0, queries.Count * queries.Dimensions));
            using var deviceQueryNorms = Upload(gpu, queryNorms.AsSpan());
            using var deviceFilter = filter is null ? gpu.Allocate1D<int>(1) : Upload(gpu, filter.Words);
            using var rangeKeys = gpu.Allocate1D<float>((long)queries.Count * ranges * k);
            using var rangeRows = gpu.Allocate1D<int>((long)queries.Count * ranges * k);
            using var mergedKeys = gpu.Allocate1D<float>((long)queries.Count * k);
            using var mergedRows = gpu.Allocate1D<int>((long)queries.Count * k);
            var shape = new ScanShape
            {
                Rows = matrix.Count,
                Dimensions = matrix.Dimensions,
                BlockWords = matrix.BlockBytes / 4,
                QueryCount = queries.Count,
                Metric = (int)metric,
                K = k,
                RowsPerRange = rowsPerRange,
                Ranges = ranges,
                FilterRows = filter?.RowCount ?? -1,
            };
            var score = ScoreKernel(matrix.Storage);
            score(new KernelConfig(new Index2D(ranges, tiles), new Index2D(groupSize, 1)),
                resident.Words.View, resident.Norms.View, resident.Scales.View, deviceQueries.View, deviceQueryNorms.View,
                deviceFilter.View, rangeKeys.View, rangeRows.View, shape);
            var merge = Kernel("merge", EmbeddingStorage.Float32, () =>
                gpu.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, int, int>(DeviceKernels.MergeTopK));
            merge(new KernelConfig(queries.Count, groupSize), rangeKeys.View, rangeRows.View, mergedKeys.View, mergedRows.View, ranges, k);
            gpu.Synchronize();

            var keys = mergedKeys.GetAsArray1D();
            var rows = mergedRows.GetAsArray1D();
            for (int q = 0; q < queries.Count; q++)
            {
                for (int i = 0; i < k; i++)
                {
                    int row = rows[(q * k) + i];
                    if (row >= 0)
                    {
                        collectors[q].Offer(keys[(q * k) + i], row);
                    }
                }
            }
        }

        return collectors;
    }

    /// <summary>Dot products of <paramref name="vectorCount"/> vectors with chosen rows: [vector × rows.Length + row].</summary>
    public float[] RowDots(EmbeddingMatrix matrix, ReadOnlySpan<float> vectors, int vectorCount, ReadOnlySpan<int> rows)
    {
        if (vectorCount == 0 || rows.IsEmpty)
        {
            return [];
        }

        lock (gate)
        {
            var gpu = Ready();
            var resident = Resident(matrix);
            using var deviceVectors = Upload(gpu, vectors[..(vectorCount * matrix.Dimensions)]);
            using var deviceRows = Upload(gpu, rows);
            using var output = gpu.Allocate1D<float>((long)vectorCount * rows.Length);
            var kernel = Kernel("rowdots", matrix.Storage, () => matrix.Storage switch
            {
                EmbeddingStorage.Float32 => LoadRowDots<Float32RowReader>(gpu),
                EmbeddingStorage.Float16 => LoadRowDots<Float16RowReader>(gpu),
                _ => LoadRowDots<Int8RowReader>(gpu),
            });
            kernel((int)output.Length, resident.Words.View, resident.Scales.View, deviceVectors.View, deviceRows.View, output.View,
                matrix.Dimensions, matrix.BlockBytes / 4, rows.Length);
            gpu.Synchronize();
            return output.GetAsArray1D();
        }
    }

    /// <summary>Dot products of every pair of chosen rows: [a × rows.Length + b].</summary>
    public float[] PairDots(EmbeddingMatrix matrix, ReadOnlySpan<int> rows)
    {
        if (rows.IsEmpty)
        {
            return [];
        }

        lock (gate)
        {
            var gpu = Ready();
            var resident = Resident(matrix);
            using var deviceRows = Upload(gpu, rows);
            using var output = gpu.Allocate1D<float>((long)rows.Length * rows.Length);
            var kernel = Kernel("pairdots", matrix.Storage, () => matrix.Storage switch
            {
                EmbeddingStorage.Float32 => LoadPairDots<Float32RowReader>(gpu),
                EmbeddingStorage.Float16 => LoadPairDots<Float16RowReader>(gpu),
                _ => LoadPairDots<Int8RowReader>(gpu),
            });
            kernel((int)output.Length, resident.Words.View, resident.Scales.View, deviceRows.View, output.View,
                matrix.Dimensions, matrix.BlockBytes / 4, rows.Length);
            gpu.Synchronize();
            return output.GetAsArray1D();
        }
    }

    /// <summary>MaxSim scores of documents given as token row ranges [start, end) (two ints per document).</summary>
    public float[] MaxSim(EmbeddingMatrix tokens, ReadOnlySpan<float> queryTokens, int queryTokenCount, ReadOnlySpan<int> documentRanges)
    {
        int documents = documentRanges.Length / 2;
        if (documents == 0)
        {
            return [];
        }

        lock (gate)
        {
            var gpu = Ready();
            var resident = Resident(tokens);
            using var deviceQuery = Upload(gpu, queryTokens);
            using var deviceRanges = Upload(gpu, documentRanges);
            using var output = gpu.Allocate1D<float>(documents);
            var kernel = Kernel("maxsim", tokens.Storage, () => tokens.Storage switch
            {
                EmbeddingStorage.Float32 => LoadMaxSim<Float32RowReader>(gpu),
                EmbeddingStorage.Float16 => LoadMaxSim<Float16RowReader>(gpu),
                _ => LoadMaxSim<Int8RowReader>(gpu),
            });
            kernel(new KernelConfig(documents, groupSize), resident.Words.View, resident.Scales.View, deviceQuery.View, deviceRanges.View,
                output.View, tokens.Dimensions, tokens.BlockBytes / 4, queryTokenCount);
            gpu.Synchronize();
            return output.GetAsArray1D();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            accelerator?.Dispose();
            context?.Dispose();
        }
    }

    /// <summary>Gets the bytes uploaded for resident matrices so far (tests check updates are incremental).</summary>
    internal long UploadedBytes { get; private set; }

    private static GpuStatus Unavailable(string reason) => new(false, GpuAccelerator.None, reason);

    private static unsafe MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(Accelerator gpu, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var buffer = gpu.Allocate1D<T>(Math.Max(1, values.Length));
        if (!values.IsEmpty)
        {
            buffer.View.SubView(0, values.Length).CopyFromCPU(ref MemoryMarshal.GetReference(values), values.Length);
        }

        return buffer;
    }

    private static Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, long, int> LoadRowDots<TReader>(Accelerator gpu)
        where TReader : struct, IRowReader =>
        gpu.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, long, int>(DeviceKernels.RowDots<TReader>);

    private static Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, long, int> LoadPairDots<TReader>(Accelerator gpu)
        where TReader : struct, IRowReader =>
        gpu.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, long, int>(DeviceKernels.PairDots<TReader>);

    private static Action<KernelConfig, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, long, int> LoadMaxSim<TReader>(Accelerator gpu)
        where TReader : struct, IRowReader =>
        gpu.LoadStreamKernel<ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, long, int>(DeviceKernels.MaxSim<TReader>);

    private static Action<KernelConfig, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ScanShape> LoadScore<TReader>(Accelerator gpu)
        where TReader : struct, IRowReader =>
        gpu.LoadStreamKernel<ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ScanShape>(DeviceKernels.ScoreTopK<TReader>);

    private Action<KernelConfig, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ScanShape> ScoreKernel(EmbeddingStorage storage)
    {
        var gpu = accelerator!;
        return Kernel("score", storage, () => storage switch
        {
            EmbeddingStorage.Float32 => LoadScore<Float32RowReader>(gpu),
            EmbeddingStorage.Float16 => LoadScore<Float16RowReader>(gpu),
            _ => LoadScore<Int8RowReader>(gpu),
        });
    }

    private T Kernel<T>(string name, EmbeddingStorage storage, Func<T> load)
        where T : Delegate
    {
        if (!kernels.TryGetValue((name, storage), out var kernel))
        {
            kernel = load();
            kernels[(name, storage)] = kernel;
        }

        return (T)kernel;
    }

    private Accelerator Ready()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return Status.IsAvailable && accelerator is not null ? accelerator : throw new InvalidOperationException(Status.Reason);
    }

    /// <summary>Returns the device copy of a matrix, bringing it up to date with the host first.</summary>
    private unsafe DeviceMatrix Resident(EmbeddingMatrix matrix)
    {
        matrix.ThrowIfDisposed();
        var gpu = accelerator!;
        if (matrix.DeviceCopy is DeviceMatrix copy && copy.Owner == this && copy.Capacity == matrix.Capacity)
        {
            if (copy.Version == matrix.Version)
            {
                return copy;
            }

            var ranges = new List<(int Start, int End)>();
            if (matrix.TryGetChangesSince(copy.Version, ranges))
            {
                foreach (var (start, end) in ranges)
                {
                    UploadRows(matrix, copy, start, end);
                }

                copy.Version = matrix.Version;
                return copy;
            }
        }

        matrix.DeviceCopy?.Dispose();
        matrix.DeviceCopy = null;
        var fresh = new DeviceMatrix(this, gpu, matrix);
        try
        {
            UploadRows(matrix, fresh, 0, matrix.Capacity);
        }
        catch
        {
            fresh.Dispose();
            throw;
        }

        fresh.Version = matrix.Version;
        matrix.DeviceCopy = fresh;
        return fresh;
    }

    /// <summary>Uploads the blocks holding rows [start, end), with their norms and scales.</summary>
    private unsafe void UploadRows(EmbeddingMatrix matrix, DeviceMatrix copy, int start, int end)
    {
        end = Math.Min(end, matrix.Capacity);
        if (end <= start)
        {
            return;
        }

        long blockWords = matrix.BlockBytes / 4;
        int firstBlock = start / EmbeddingMatrix.BlockRows;
        int lastBlock = (end + EmbeddingMatrix.BlockRows - 1) / EmbeddingMatrix.BlockRows;
        long words = (lastBlock - firstBlock) * blockWords;
        copy.Words.View.SubView(firstBlock * blockWords, words)
            .CopyFromCPU(ref Unsafe.AsRef<int>(matrix.Data + (firstBlock * matrix.BlockBytes)), words);
        copy.Norms.View.SubView(start, end - start).CopyFromCPU(ref Unsafe.AsRef<float>(matrix.SquaredNorms + start), end - start);
        copy.Scales.View.SubView(start, end - start).CopyFromCPU(ref Unsafe.AsRef<float>(matrix.Scales + start), end - start);
        UploadedBytes += (words * 4) + ((end - start) * 8L);
    }

    /// <summary>A matrix resident in device memory in the host's own blocked layout; freed when replaced or when the matrix is disposed.</summary>
    private sealed class DeviceMatrix : IDisposable
    {
        public DeviceMatrix(GpuBackend owner, Accelerator gpu, EmbeddingMatrix matrix)
        {
            Owner = owner;
            Capacity = matrix.Capacity;
            Words = gpu.Allocate1D<int>(matrix.DataBytes / 4);
            Norms = gpu.Allocate1D<float>(matrix.Capacity);
            Scales = gpu.Allocate1D<float>(matrix.Capacity);
        }

        public GpuBackend Owner { get; }

        public int Capacity { get; }

        public long Version { get; set; }

        public MemoryBuffer1D<int, Stride1D.Dense> Words { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> Norms { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> Scales { get; }

        public void Dispose()
        {
            lock (Owner.gate)
            {
                if (!Owner.disposed)
                {
                    Words.Dispose();
                    Norms.Dispose();
                    Scales.Dispose();
                }
            }
        }
    }
}
