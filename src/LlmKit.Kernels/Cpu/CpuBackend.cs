namespace LlmKit.Kernels.Cpu;

/// <summary>
/// Runs top-k on the CPU: rows are split into contiguous block ranges, one per thread; each thread scores its range
/// with the widest SIMD kernel the machine has and keeps its own bounded heaps, which are merged at the end.
/// </summary>
internal sealed class CpuBackend(KernelOptions options)
{
    public TopKCollector[] TopK(EmbeddingMatrix matrix, PreparedQueries queries, int keep, SimilarityMetric metric, RowFilter? filter, int? parallelism = null)
    {
        var merged = NewCollectors(queries.Count, keep);
        int blocks = matrix.BlockCount;
        if (blocks == 0 || keep == 0 || queries.Count == 0)
        {
            return merged;
        }

        // Built here, before any thread starts, because the kernels share them read-only.
        _ = queries.TileValues;
        if (matrix.Storage == EmbeddingStorage.Int8)
        {
            queries.PrepareInt8(matrix.PaddedDimensions);
        }

        int threads = Math.Min(parallelism ?? options.EffectiveParallelism, blocks);
        if (matrix.Count < options.ParallelThresholdRows)
        {
            threads = 1;
        }

        if (threads <= 1)
        {
            CpuScan.Run(matrix, queries, metric, filter, 0, blocks, merged, options.UseSimd, options.Force256);
            return merged;
        }

        var partials = new TopKCollector[threads][];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int start = (int)((long)blocks * t / threads);
            int end = (int)((long)blocks * (t + 1) / threads);
            var local = NewCollectors(queries.Count, keep);
            CpuScan.Run(matrix, queries, metric, filter, start, end, local, options.UseSimd, options.Force256);
            partials[t] = local;
        });

        foreach (var partial in partials)
        {
            for (int q = 0; q < merged.Length; q++)
            {
                merged[q].OfferAll(partial[q]);
            }
        }

        return merged;
    }

    private static TopKCollector[] NewCollectors(int count, int keep)
    {
        var collectors = new TopKCollector[count];
        for (int i = 0; i < count; i++)
        {
            collectors[i] = new TopKCollector(keep);
        }

        return collectors;
    }
}
