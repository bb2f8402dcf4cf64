using System.Diagnostics;
using System.Runtime.InteropServices;
using LlmKit.Benchmarks.Kernels.Gpu;
using LlmKit.Kernels;

// GPU verification and benchmark runner for LlmKit.Kernels' ILGPU backend (see README.md beside this file).
//   verify                          GPU results against the CPU backend on random shapes; exit code 0 when all agree
//   bench ROWS DIMS K BATCHES TOP   float16 timings of the GPU and CPU backends; writes the GPU top-k rows of the largest
//                                   batch to TOP for torch_reference.py to compare with
// LLMKIT_GPU_SIMULATE=1 runs either on ILGPU's CPU accelerator (small shapes): a dry run of the runner on a machine
// without a GPU; its timings mean nothing.
// A quick harness rather than BenchmarkDotNet: a 10M x 768 matrix takes a minute to build and 15 GB of memory.
return args.FirstOrDefault() switch
{
    "verify" => Verify.Run(),
    "bench" => Bench.Run(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), args[4].Split(',').Select(int.Parse).ToArray(), args[5]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: LlmKit.Benchmarks.Kernels.Gpu verify | bench ROWS DIMS K BATCHES(comma-separated) TOP_FILE");
    return 64;
}

internal static class Bench
{
    public static int Run(int rows, int dims, int k, int[] batches, string topFile)
    {
        using var gpu = new SimilarityKernels(SharedData.GpuOptions());
        using var cpu = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        Console.WriteLine($"# LlmKit.Kernels GPU bench rows={rows} dims={dims} k={k} batches={string.Join(',', batches)} storage=Float16 metric=Dot");
        Console.WriteLine($"# {RuntimeInformation.FrameworkDescription} cores={Environment.ProcessorCount} gpu: {gpu.GpuStatus.Reason}");
        Console.WriteLine($"# load average at start: {LoadAverage()}");
        if (!gpu.GpuStatus.IsAvailable)
        {
            return 2;
        }

        var build = Stopwatch.StartNew();
        using var matrix = SharedData.Matrix(rows, dims, EmbeddingStorage.Float16);
        float[] queries = SharedData.Queries(batches.Max(), dims);
        Console.WriteLine($"matrix generated on the host: {build.Elapsed.TotalSeconds:F1} s ({(double)rows * dims * 2 / 1e9:F2} GB of float16)");

        var first = Stopwatch.StartNew();
        gpu.TopK(matrix, queries.AsSpan(0, dims), k);
        Console.WriteLine($"first GPU call (upload of the whole matrix + kernel compilation): {first.Elapsed.TotalMilliseconds:F0} ms");
        gpu.TopKBatch(matrix, queries.AsSpan(0, Math.Min(batches.Max(), 16) * dims), k); // compiles the batch path's tiles

        ScoredRow[][]? largest = null;
        foreach (int batch in batches)
        {
            var span = queries.AsSpan(0, batch * dims);
            int repeats = batch == 1 ? 20 : batch <= 64 ? 5 : 3;
            var results = gpu.TopKBatch(matrix, span, k);
            double gpuMs = Median(repeats, () => gpu.TopKBatch(matrix, queries.AsSpan(0, batch * dims), k));
            double bytes = (double)rows * dims * 2;
            Console.WriteLine($"GPU  batch {batch,5}: {gpuMs,9:F2} ms  ({bytes / gpuMs / 1e6,6:F0} GB/s of matrix read, {2.0 * rows * dims * batch / gpuMs / 1e9,7:F2} TFLOP/s)");
            if (batch <= 64)
            {
                // The CPU backend on the same data: the reference the GPU must agree with, and the speed it must beat.
                ScoredRow[][] cpuResults = [];
                double cpuMs = Median(batch == 1 ? 3 : 1, () => cpuResults = cpu.TopKBatch(matrix, queries.AsSpan(0, batch * dims), k));
                Console.WriteLine($"CPU  batch {batch,5}: {cpuMs,9:F2} ms  ({Environment.ProcessorCount} threads)  GPU speed-up {cpuMs / gpuMs:F1}x  " +
                                  $"top-{k} agreement GPU vs CPU: {Agreement(results, cpuResults, k):F4}");
            }

            largest = results;
        }

        using (var writer = new StreamWriter(topFile))
        {
            foreach (var result in largest!)
            {
                writer.WriteLine(string.Join(' ', result.Select(r => r.Row)));
            }
        }

        Console.WriteLine($"# load average at end: {LoadAverage()}");
        return 0;
    }

    private static double Median(int repeats, Action action)
    {
        var times = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static double Agreement(ScoredRow[][] a, ScoredRow[][] b, int k)
    {
        double hits = 0;
        for (int q = 0; q < a.Length; q++)
        {
            hits += a[q].Select(r => r.Row).Intersect(b[q].Select(r => r.Row)).Count();
        }

        return hits / (a.Length * (double)k);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
}
