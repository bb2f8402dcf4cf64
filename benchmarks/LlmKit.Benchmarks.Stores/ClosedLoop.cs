using System.Diagnostics;
using System.Globalization;

namespace LlmKit.Benchmarks.Stores;

/// <summary>The run's settings, from the command line.</summary>
internal sealed record BenchSettings(TimeSpan Duration, TimeSpan Warmup, int Concurrency, int Tenants)
{
    public static BenchSettings Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new BenchSettings(
            TimeSpan.FromSeconds(double.Parse(Value("--seconds") ?? "5", CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(1),
            int.Parse(Value("--concurrency") ?? "32", CultureInfo.InvariantCulture),
            int.Parse(Value("--tenants") ?? "64", CultureInfo.InvariantCulture));
    }

    public override string ToString() =>
        $"{Duration.TotalSeconds:0.#} s per store after {Warmup.TotalSeconds:0.#} s warm-up, {Concurrency} concurrent callers, {Tenants} tenants";
}

/// <summary>Throughput and latency of one workload.</summary>
internal sealed record LoadResult(long Count, double PerSecond, double P50, double P99);

/// <summary>
/// A closed-loop load generator: N workers each run the operation back to back for the duration (after a warm-up whose
/// operations are not counted), timing every operation; throughput is operations per second of wall time.
/// </summary>
internal static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(BenchSettings settings, Func<int, long, ValueTask> operation)
    {
        var warmupEnds = Stopwatch.GetTimestamp() + (long)(settings.Warmup.TotalSeconds * Stopwatch.Frequency);
        var ends = warmupEnds + (long)(settings.Duration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<double>[settings.Concurrency];
        var workers = Enumerable.Range(0, settings.Concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<double>(16_384);
            for (long i = 0; ; i++)
            {
                long start = Stopwatch.GetTimestamp();
                if (start >= ends)
                {
                    return;
                }

                await operation(worker, i);
                if (start >= warmupEnds)
                {
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(all.Length, all.Length / settings.Duration.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}

/// <summary>The machine's load average, printed with every number (the machine is shared).</summary>
internal static class LoadAverage
{
    public static string Read()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load {parts[0]} {parts[1]} {parts[2]}";
        }
        catch (IOException)
        {
            return "load n/a";
        }
    }
}
