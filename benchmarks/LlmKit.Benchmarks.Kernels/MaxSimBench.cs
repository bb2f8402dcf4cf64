using System.Diagnostics;
using LlmKit.Kernels;

/// <summary>
/// Late-interaction (MaxSim) scoring of every document over 1M token vectors of 128 dimensions (ColBERT's size), for
/// query lengths of 32 tokens (ColBERT's) and 8. A token vector is read once per call whatever the query length, so
/// the memory floor is the same for both; 32 query tokens do 4x the arithmetic of 8.
/// </summary>
internal static class MaxSimBench
{
    public static void Run(Dictionary<int, double> bandwidth, int repeats)
    {
        const int tokenCount = 1_000_000, dims = 128, documentTokens = 100;
        var random = new Random(7);
        var values = new float[(long)tokenCount * dims];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        int documents = tokenCount / documentTokens;
        int[] offsets = Enumerable.Range(0, documents + 1).Select(d => d * documentTokens).ToArray();
        int[] all = Enumerable.Range(0, documents).ToArray();
        var scores = new float[documents];
        Console.WriteLine($"# MaxSim: {tokenCount:N0} token vectors x {dims} dims in {documents:N0} documents of {documentTokens} tokens, every document scored");
        foreach (var storage in new[] { EmbeddingStorage.Float32, EmbeddingStorage.Float16 })
        {
            using var tokens = new EmbeddingMatrix(dims, storage, tokenCount);
            tokens.AddRange(values);
            double bytes = (double)tokenCount * dims * (storage == EmbeddingStorage.Float32 ? 4 : 2);
            foreach (int queryTokens in new[] { 32, 8 })
            {
                float[] query = values.AsSpan(0, queryTokens * dims).ToArray();
                foreach (int threads in new[] { 1, 2 })
                {
                    using var kernels = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu, MaxDegreeOfParallelism = threads });
                    kernels.MaxSim(tokens, offsets, query, all, scores);
                    var times = new List<double>();
                    var cpuTimes = new List<double>();
                    for (int r = 0; r < repeats; r++)
                    {
                        double cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
                        var sw = Stopwatch.StartNew();
                        kernels.MaxSim(tokens, offsets, query, all, scores);
                        times.Add(sw.Elapsed.TotalMilliseconds);
                        cpuTimes.Add(Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - cpu);
                    }

                    times.Sort();
                    cpuTimes.Sort();
                    double ms = times[times.Count / 2];
                    double gbps = bytes / ms / 1e6;
                    Console.WriteLine($"MaxSim {storage,-7} {queryTokens,2} query tokens, {threads} thread(s): {ms,8:F1} ms wall {cpuTimes[cpuTimes.Count / 2],8:F1} ms cpu  ({gbps:F1} GB/s of token vectors read, " +
                                      $"{gbps / bandwidth[threads] * 100:F0}% of the read bandwidth, {2.0 * tokenCount * dims * queryTokens / ms / 1e6:F0} GFLOP/s)");
                }
            }
        }
    }
}
