namespace LlmKit.Kernels.Cpu;

/// <summary>
/// Runs top-k on the CPU: rows are split into contiguous block ranges taken by up to MaxDegreeOfParallelism threads;
/// each thread scores its ranges with the widest SIMD kernel the machine has into its own bounded heaps, which are
/// merged at the end. A range holds all queries of a batch, so the matrix is still read once per batch.
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
        if (matrix.Storage == EmbeddingStorage.Float16 && queries.FitsFloat16Scale)
        {
            _ = queries.ScaledValues;
            _ = queries.ScaledTileValues;
        }
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

        // More pieces than threads, handed out dynamically: a thread that starts late (a busy machine, a cold pool
        // thread) still takes its share instead of the caller scanning everything alone.
        int pieces = Math.Min(blocks, threads * 8);
        var gate = new object();
        Parallel.For(0, pieces, new ParallelOptions { MaxDegreeOfParallelism = threads },
            () => NewCollectors(queries.Count, keep),
            (piece, _, local) =>
            {
                int start = (int)((long)blocks * piece / pieces);
                int end = (int)((long)blocks * (piece + 1) / pieces);
                CpuScan.Run(matrix, queries, metric, filter, start, end, local, options.UseSimd, options.Force256);
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    for (int q = 0; q < merged.Length; q++)
                    {
                        merged[q].OfferAll(local[q]);
                    }
                }
            });

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
