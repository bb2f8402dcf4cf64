using LlmKit.Kernels;

namespace LlmKit.Benchmarks.Kernels.Gpu;

/// <summary>
/// Checks the GPU backend against the CPU backend (itself held to the double-precision reference by the unit tests) on
/// random shapes, for a GPU machine with a driver but no .NET SDK to run the test project. Exit code 1 on any difference.
/// </summary>
internal static class Verify
{
    public static int Run()
    {
        using var gpu = new SimilarityKernels(SharedData.GpuOptions());
        using var cpu = new SimilarityKernels(new KernelOptions { Backend = KernelBackend.Cpu });
        Console.WriteLine($"# GPU: {gpu.GpuStatus.Accelerator} {gpu.GpuStatus.Reason}");
        if (!gpu.GpuStatus.IsAvailable)
        {
            return 2;
        }

        var random = new Random(5);
        int failures = 0, checks = 0;
        void Check(bool ok, string what)
        {
            checks++;
            if (!ok)
            {
                failures++;
                Console.WriteLine($"MISMATCH {what}");
            }
        }

        foreach (var storage in Enum.GetValues<EmbeddingStorage>())
        {
            foreach (var metric in Enum.GetValues<SimilarityMetric>())
            {
                foreach (var (rows, dims, k, count) in new[] { (1, 3, 5, 1), (100, 17, 10, 3), (70_000, 384, 10, 9), (5000, 64, 128, 20), (300_000, 768, 10, 64), (20_000, 1031, 7, 13) })
                {
                    if (SharedData.Simulated && (long)rows * dims * count > 2_000_000)
                    {
                        continue; // the CPU simulator checks the runner itself, on the small shapes only
                    }

                    using var matrix = new EmbeddingMatrix(dims, storage);
                    matrix.AddRange(RandomVectors(random, rows, dims));
                    float[] queries = RandomVectors(random, count, dims);
                    var filter = new RowFilter(Math.Max(0, rows - 1), allowAll: true);
                    for (int r = 0; r < filter.RowCount; r += 3)
                    {
                        filter[r] = false;
                    }

                    foreach (var f in new[] { null, filter })
                    {
                        var expected = cpu.TopKBatch(matrix, queries, k, metric, f);
                        var actual = gpu.TopKBatch(matrix, queries, k, metric, f);
                        for (int q = 0; q < count; q++)
                        {
                            Check(Same(expected[q], actual[q]),
                                $"{storage} {metric} rows={rows} dims={dims} k={k} q={q} filtered={f is not null}: cpu [{string.Join(' ', expected[q].Take(4))}] gpu [{string.Join(' ', actual[q].Take(4))}]");
                        }
                    }

                    if (rows >= 100)
                    {
                        // The device copy follows appended and removed rows.
                        matrix.AddRange(queries.AsSpan(0, dims));
                        matrix.Remove(0);
                        var expected = cpu.TopK(matrix, queries.AsSpan(0, dims), k, metric);
                        var actual = gpu.TopK(matrix, queries.AsSpan(0, dims), k, metric);
                        Check(Same(expected, actual), $"{storage} {metric} rows={rows} after Add and Remove");
                        int[] candidates = Enumerable.Range(0, 40).Select(i => i * (rows / 40)).ToArray();
                        // Not query 0: it is now row 0, and MMR against a copy of the query ties every candidate at 0.
                        var cpuMmr = cpu.SelectMmr(matrix, queries.AsSpan(dims, dims), candidates, 10, 0.5f, metric);
                        var gpuMmr = gpu.SelectMmr(matrix, queries.AsSpan(dims, dims), candidates, 10, 0.5f, metric);
                        Check(cpuMmr.Select(r => r.Row).SequenceEqual(gpuMmr.Select(r => r.Row)),
                            $"{storage} {metric} rows={rows} MMR: cpu [{string.Join(' ', cpuMmr)}] gpu [{string.Join(' ', gpuMmr)}]");
                    }
                }
            }

            // MaxSim: 2,000 documents of 1 to 200 token vectors, 32 query tokens.
            int documents = SharedData.Simulated ? 20 : 2000;
            using var tokens = new EmbeddingMatrix(128, storage);
            var offsets = new int[documents + 1];
            for (int d = 0; d < documents; d++)
            {
                int n = random.Next(1, 201);
                tokens.AddRange(RandomVectors(random, n, 128));
                offsets[d + 1] = offsets[d] + n;
            }

            float[] queryTokens = RandomVectors(random, 32, 128);
            int[] all = Enumerable.Range(0, documents).ToArray();
            var cpuScores = new float[documents];
            var gpuScores = new float[documents];
            cpu.MaxSim(tokens, offsets, queryTokens, all, cpuScores);
            gpu.MaxSim(tokens, offsets, queryTokens, all, gpuScores);
            Check(cpuScores.Zip(gpuScores).All(p => Math.Abs(p.First - p.Second) <= 1e-3f * Math.Max(1, Math.Abs(p.First))), $"{storage} MaxSim");
        }

        Console.WriteLine($"GPU vs CPU: {checks - failures}/{checks} checks equal");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Same length, scores within float rounding, and the same rows wherever the scores are not tied.</summary>
    private static bool Same(ScoredRow[] expected, ScoredRow[] actual) =>
        expected.Length == actual.Length &&
        expected.Zip(actual).All(p => Math.Abs(p.First.Score - p.Second.Score) <= 1e-3f * Math.Max(1, Math.Abs(p.First.Score)) &&
            (p.First.Row == p.Second.Row || Math.Abs(p.First.Score - p.Second.Score) <= 1e-4f * Math.Max(1, Math.Abs(p.First.Score))));

    private static float[] RandomVectors(Random random, int count, int dims)
    {
        var values = new float[count * dims];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
