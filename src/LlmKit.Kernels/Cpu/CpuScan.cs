namespace LlmKit.Kernels.Cpu;

/// <summary>Scores a range of row blocks for every query and offers the results to per-query collectors.</summary>
internal static class CpuScan
{
    public static void Run(EmbeddingMatrix matrix, PreparedQueries queries, SimilarityMetric metric, RowFilter? filter,
        int blockStart, int blockEnd, TopKCollector[] collectors)
    {
        ScalarScan.Run(matrix, queries, metric, filter, blockStart, blockEnd, collectors);
    }
}
