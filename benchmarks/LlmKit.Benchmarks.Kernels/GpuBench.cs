using System.Diagnostics;
using System.Numerics.Tensors;
using LlmKit.Kernels;

/// <summary>
/// The CUDA half of the bench: float16 rows on the device, one query and a batch, timed after the matrix is resident.
/// Usage: LlmKit.Benchmarks.Kernels gpu [rows=10000000] [dims=768] [k=10] [batch=1024]. Compare with torch_reference.py.
/// </summary>
internal static class GpuBench
{
    public static void Run(string[] args)
    {
        int rows = args.Length > 0 ? int.Parse(args[0]) : 10_000_000;
        int dims = args.Length > 1 ? int.Parse(args[1]) : 768;
        int k = args.Length > 2 ? int.Parse(args[2]) : 10;
        int batch = args.Length > 3 ? int.Parse(args[3]) : 1024;
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cuda });
        Console.WriteLine($"# LlmKit.Kernels CUDA bench rows={rows} dims={dims} k={k} batch={batch} float16 storage");
        Console.WriteLine($"# {kernels.CudaStatus.Reason}");
        if (!kernels.CudaStatus.IsAvailable)
        {
            return;
        }

        var random = new Random(42);
        using var matrix = new EmbeddingMatrix(dims, EmbeddingStorage.Float16, rows);
        const int Slab = 65_536;
        var slab = new float[Slab * dims];
        for (int start = 0; start < rows; start += Slab)
        {
            int count = Math.Min(Slab, rows - start);
            Fill(random, slab.AsSpan(0, count * dims), dims);
            matrix.AddRange(slab.AsSpan(0, count * dims));
        }

        var queries = new float[batch * dims];
        Fill(random, queries, dims);
        var sw = Stopwatch.StartNew();
        kernels.TopK(matrix, queries.AsSpan(0, dims), k); // uploads the matrix once
        Console.WriteLine($"first call (upload + JIT of the PTX): {sw.Elapsed.TotalMilliseconds:F0} ms");

        var times = new List<double>();
        for (int r = 0; r < 20; r++)
        {
            sw.Restart();
            kernels.TopK(matrix, queries.AsSpan(r % batch * dims, dims), k);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        double single = times[times.Count / 2];
        Console.WriteLine($"CUDA single query: {single:F2} ms ({(double)rows * dims * 2 / single / 1e6:F0} GB/s of matrix read)");
        times.Clear();
        for (int r = 0; r < 5; r++)
        {
            sw.Restart();
            kernels.TopKBatch(matrix, queries, k);
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine($"CUDA batch of {batch}: {times[times.Count / 2]:F1} ms");
    }

    /// <summary>
    /// Checks CUDA against the CPU backend (itself held to the scalar reference by the unit tests) on random shapes, for
    /// GPU machines that have a driver but no .NET SDK to run the test project. Exit code 1 on any difference.
    /// </summary>
    public static int Verify()
    {
        using var gpu = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cuda });
        using var cpu = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        Console.WriteLine($"# {gpu.CudaStatus.Reason}");
        if (!gpu.CudaStatus.IsAvailable)
        {
            return 2;
        }

        var random = new Random(5);
        int failures = 0, checks = 0;
        foreach (var storage in new[] { EmbeddingStorage.Float32, EmbeddingStorage.Float16 })
        {
            foreach (var metric in Enum.GetValues<SimilarityMetric>())
            {
                foreach (var (rows, dims, k, count) in new[] { (1, 3, 5, 1), (100, 17, 10, 3), (70_000, 384, 10, 9), (5000, 64, 256, 20), (300_000, 768, 10, 64) })
                {
                    using var matrix = new EmbeddingMatrix(dims, storage);
                    var values = new float[rows * dims];
                    Fill(random, values, dims);
                    matrix.AddRange(values);
                    var queries = new float[count * dims];
                    Fill(random, queries, dims);
                    var filter = new RowFilter(Math.Max(0, rows - 1), allowAll: true);
                    if (rows > 1)
                    {
                        filter[0] = false;
                    }

                    foreach (var f in new[] { null, filter })
                    {
                        var expected = cpu.TopKBatch(matrix, queries, k, metric, f);
                        var actual = gpu.TopKBatch(matrix, queries, k, metric, f);
                        for (int q = 0; q < count; q++)
                        {
                            checks++;
                            bool same = expected[q].Length == actual[q].Length &&
                                expected[q].Zip(actual[q]).All(p => Math.Abs(p.First.Score - p.Second.Score) <= 1e-3f * Math.Max(1, Math.Abs(p.First.Score)) &&
                                    (p.First.Row == p.Second.Row || Math.Abs(p.First.Score - p.Second.Score) <= 1e-5f));
                            if (!same)
                            {
                                failures++;
                                Console.WriteLine($"MISMATCH {storage} {metric} rows={rows} dims={dims} k={k} q={q} filtered={f is not null}: " +
                                    $"cpu [{string.Join(' ', expected[q].Take(5))}] cuda [{string.Join(' ', actual[q].Take(5))}]");
                            }
                        }
                    }
                }
            }
        }

        Console.WriteLine($"CUDA vs CPU: {checks - failures}/{checks} query results equal");
        return failures == 0 ? 0 : 1;
    }

    private static void Fill(Random random, Span<float> values, int dims)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        for (int row = 0; row < values.Length / dims; row++)
        {
            var span = values.Slice(row * dims, dims);
            TensorPrimitives.Divide(span, TensorPrimitives.Norm(span), span);
        }
    }
}
