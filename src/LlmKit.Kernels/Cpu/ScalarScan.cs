namespace LlmKit.Kernels.Cpu;

/// <summary>
/// The plain scalar kernel: one multiply-add at a time, in dimension order. It is the fallback where SIMD is missing
/// and the definition the SIMD kernels must agree with.
/// </summary>
internal static class ScalarScan
{
    public static void Run(EmbeddingMatrix matrix, PreparedQueries queries, SimilarityMetric metric, RowFilter? filter,
        int blockStart, int blockEnd, TopKCollector[] collectors)
    {
        int end = Math.Min(blockEnd * EmbeddingMatrix.BlockRows, matrix.Count);
        for (int row = blockStart * EmbeddingMatrix.BlockRows; row < end; row++)
        {
            if (filter is not null && !filter.IsAllowed(row))
            {
                continue;
            }

            for (int q = 0; q < queries.Count; q++)
            {
                float key = Key(matrix, queries, q, row, metric);
                collectors[q].Offer(key, row);
            }
        }
    }

    public static float Dot(EmbeddingMatrix matrix, ReadOnlySpan<float> query, int row)
    {
        float sum = 0;
        for (int d = 0; d < query.Length; d++)
        {
            sum += query[d] * matrix.Get(row, d);
        }

        return sum;
    }

    public static unsafe float Key(EmbeddingMatrix matrix, PreparedQueries queries, int q, int row, SimilarityMetric metric) =>
        ScoreMath.Key(metric, Dot(matrix, queries.Query(q), row), matrix.SquaredNorms[row], queries.SquaredNorms[q], queries.InverseNorms[q]);
}
