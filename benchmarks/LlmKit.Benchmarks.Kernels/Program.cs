using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LlmKit.Kernels;
using LlmKit.Kernels.Cpu;

// A quick harness rather than BenchmarkDotNet: one 1M x 384 matrix takes seconds to build and GBs of memory, and the
// issue asks for the FAISS reference, the bandwidth floor and our kernels measured in one run on the same data.
// Usage: dotnet run -c Release -- [rows] [dims] [k] [batch] [single-query repeats] [data dir for the FAISS reference]
// The GPU runner is benchmarks/LlmKit.Benchmarks.Kernels.Gpu.

int rows = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
int dims = args.Length > 1 ? int.Parse(args[1]) : 384;
int k = args.Length > 2 ? int.Parse(args[2]) : 10;
int batch = args.Length > 3 ? int.Parse(args[3]) : 64;
int repeats = args.Length > 4 ? int.Parse(args[4]) : 20;
string? dataDir = args.Length > 5 ? args[5] : null;

Console.WriteLine($"# LlmKit.Kernels bench  rows={rows} dims={dims} k={k} batch={batch} single-query repeats={repeats}");
Console.WriteLine($"# {RuntimeInformation.FrameworkDescription} {RuntimeInformation.OSDescription} cores={Environment.ProcessorCount} " +
                  $"Vector512={Vector512.IsHardwareAccelerated} avx512-kernels={CpuScan.HasAvx512} vnni={CpuScan.HasVnni}");
Console.WriteLine($"# cpu: {CpuModel()}  load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");

var random = new Random(42);
float[] data = RandomNormalized(random, rows, dims);
float[] queries = RandomNormalized(random, batch, dims);
if (dataDir is not null)
{
    Directory.CreateDirectory(dataDir);
    using (var file = File.Create(Path.Combine(dataDir, "data.f32")))
    {
        file.Write(MemoryMarshal.AsBytes(data.AsSpan()));
    }

    using (var file = File.Create(Path.Combine(dataDir, "queries.f32")))
    {
        file.Write(MemoryMarshal.AsBytes(queries.AsSpan()));
    }
}

using var f32 = new EmbeddingMatrix(dims, EmbeddingStorage.Float32, rows);
f32.AddRange(data);

var bandwidth = new Dictionary<int, double>();
foreach (int threads in new[] { 1, 2 })
{
    double gbps = ReadBandwidth(f32, threads);
    bandwidth[threads] = gbps;
    Console.WriteLine($"memory read bandwidth, {threads} thread(s): {gbps:F1} GB/s  => floor for one float32 scan: {rows * (double)dims * 4 / gbps / 1e6:F1} ms");
}

ScoredRow[][]? exact = null;
var exactSingle = new Dictionary<int, ScoredRow[]>();
var batchMsByKind = new Dictionary<(string Kind, int Threads), double>();
foreach (var (storage, rescoring) in new (EmbeddingStorage, EmbeddingStorage?)[]
         {
             (EmbeddingStorage.Float32, null), (EmbeddingStorage.Float16, null), (EmbeddingStorage.Int8, null), (EmbeddingStorage.Int8, EmbeddingStorage.Float16),
         })
{
    EmbeddingMatrix matrix = f32;
    string kind = rescoring is null ? storage.ToString() : $"{storage}+{(rescoring == EmbeddingStorage.Float16 ? "F16" : "F32")}";
    if (storage != EmbeddingStorage.Float32)
    {
        matrix = new EmbeddingMatrix(dims, storage, rows, rescoring);
        matrix.AddRange(data);
    }

    double bytes = (double)matrix.BlockBytes * matrix.BlockCount;
    foreach (int threads in new[] { 1, 2 })
    {
        using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu, MaxDegreeOfParallelism = threads });
        kernels.TopK(matrix, queries.AsSpan(0, dims), k); // warm up (JIT tiers, page faults)
        var times = new List<double>();
        var cpuTimes = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            int q = r % batch;
            var cpu = CpuMs();
            var sw = Stopwatch.StartNew();
            var result = kernels.TopK(matrix, queries.AsSpan(q * dims, dims), k);
            times.Add(sw.Elapsed.TotalMilliseconds);
            cpuTimes.Add(CpuMs() - cpu);
            if (storage == EmbeddingStorage.Float32 && threads == 1)
            {
                exactSingle[q] = result;
            }
        }

        double single = Median(times);
        Console.WriteLine($"{kind,-8} single query, {threads} thread(s): {single,8:F1} ms wall {Median(cpuTimes),8:F1} ms cpu  ({bytes / single / 1e6:F1} GB/s of matrix read, " +
                          $"{bytes / single / 1e6 / bandwidth[threads] * 100:F0}% of the read bandwidth)");

        kernels.TopKBatch(matrix, queries.AsSpan(0, Math.Min(batch, 8) * dims), k);
        var batchTimes = new List<double>();
        var batchCpu = new List<double>();
        ScoredRow[][] results = [];
        for (int r = 0; r < 3; r++)
        {
            var cpu = CpuMs();
            var sw = Stopwatch.StartNew();
            results = kernels.TopKBatch(matrix, queries, k);
            batchTimes.Add(sw.Elapsed.TotalMilliseconds);
            batchCpu.Add(CpuMs() - cpu);
        }

        double batchMs = Median(batchTimes);
        double gflops = 2.0 * rows * dims * batch / batchMs / 1e6;
        exact ??= results;
        batchMsByKind[(kind, threads)] = batchMs;
        string speed = storage == EmbeddingStorage.Float32 ? string.Empty : $"  {batchMsByKind[("Float32", threads)] / batchMs:F2}x float32 batch speed";
        Console.WriteLine($"{kind,-8} batch of {batch}, {threads} thread(s): {batchMs,8:F1} ms wall {Median(batchCpu),8:F1} ms cpu  ({gflops:F0} GFLOP/s)  recall@{k} vs float32 exact: {Recall(exact, results, k):F4}{speed}");
    }

    if (!ReferenceEquals(matrix, f32))
    {
        matrix.Dispose();
    }
}

// Check the single-query answers match the batch answers (same exact float32 problem).
int agree = exactSingle.Count(p => p.Value.Select(r => r.Row).SequenceEqual(exact![p.Key].Select(r => r.Row)));
Console.WriteLine($"float32 single-query results equal to batch results for {agree}/{exactSingle.Count} queries");

foreach (int threads in new[] { 1, 2 })
{
    var times = new List<double>();
    for (int r = 0; r < Math.Min(repeats, 5); r++)
    {
        var sw = Stopwatch.StartNew();
        NaiveTopK(data, dims, queries.AsSpan(0, dims), k, threads);
        times.Add(sw.Elapsed.TotalMilliseconds);
    }

    Console.WriteLine($"naive Parallel.For(TensorPrimitives.Dot) into a score array + heap, single query, {threads} thread(s): {Median(times),8:F1} ms");
}

MaxSimBench.Run(bandwidth, Math.Max(3, Math.Min(repeats, 5)));
FileBench.Run(f32, queries.AsSpan(0, dims), k, dataDir);

if (dataDir is not null)
{
    using var writer = new StreamWriter(Path.Combine(dataDir, "llmkit_top.txt"));
    foreach (var result in exact!)
    {
        writer.WriteLine(string.Join(' ', result.Select(r => r.Row)));
    }
}

Console.WriteLine($"# load average at end: {File.ReadAllText("/proc/loadavg").Trim()}");
return 0;

static float[] RandomNormalized(Random random, int count, int dims)
{
    var values = new float[(long)count * dims];
    for (int i = 0; i < count; i++)
    {
        var row = values.AsSpan(i * dims, dims);
        for (int d = 0; d < dims; d++)
        {
            // Box-Muller: normal components make the directions uniform on the sphere.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            row[d] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        float norm = TensorPrimitives.Norm(row);
        TensorPrimitives.Divide(row, norm, row);
    }

    return values;
}

static unsafe double ReadBandwidth(EmbeddingMatrix matrix, int threads)
{
    long bytes = matrix.BlockBytes * matrix.BlockCount;
    byte* start = matrix.Data;
    double best = 0;
    for (int r = 0; r < 5; r++)
    {
        var sw = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            long from = bytes * t / threads / 256 * 256, to = bytes * (t + 1) / threads / 256 * 256;
            var a0 = Vector512<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
            for (long o = from; o < to; o += 256)
            {
                a0 += Vector512.Load((float*)(start + o));
                a1 += Vector512.Load((float*)(start + o + 64));
                a2 += Vector512.Load((float*)(start + o + 128));
                a3 += Vector512.Load((float*)(start + o + 192));
            }

            if (Vector512.Sum(a0 + a1 + a2 + a3) == 12345.678f)
            {
                Console.Write(string.Empty);
            }
        });
        best = Math.Max(best, bytes / sw.Elapsed.TotalSeconds / 1e9);
    }

    return best;
}

static void NaiveTopK(float[] data, int dims, ReadOnlySpan<float> query, int k, int threads)
{
    int rows = data.Length / dims;
    var scores = new float[rows];
    float[] q = query.ToArray();
    Parallel.For(0, rows, new ParallelOptions { MaxDegreeOfParallelism = threads }, r =>
        scores[r] = TensorPrimitives.Dot(data.AsSpan(r * dims, dims), q));
    var best = new TopKCollector(k);
    for (int r = 0; r < rows; r++)
    {
        best.Offer(scores[r], r);
    }
}

static double Recall(ScoredRow[][] exact, ScoredRow[][] approximate, int k)
{
    double hits = 0;
    for (int q = 0; q < exact.Length; q++)
    {
        var truth = exact[q].Take(k).Select(r => r.Row).ToHashSet();
        hits += approximate[q].Take(k).Count(r => truth.Contains(r.Row));
    }

    return hits / (exact.Length * (double)k);
}

// Process CPU time: on a machine shared with other builds, wall time includes waiting for a core; CPU time does not.
static double CpuMs() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

static double Median(List<double> values)
{
    values.Sort();
    return values[values.Count / 2];
}

static string CpuModel() =>
    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown";
