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
