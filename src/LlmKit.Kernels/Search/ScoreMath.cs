using System.Runtime.CompilerServices;

namespace LlmKit.Kernels;

/// <summary>Turns a dot product into a metric score and a ranking key (higher is better), the same way on every path.</summary>
internal static class ScoreMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Key(SimilarityMetric metric, float dot, float rowSquaredNorm, float querySquaredNorm, float queryInverseNorm) =>
        metric switch
        {
            SimilarityMetric.Dot => dot,
            SimilarityMetric.Cosine => rowSquaredNorm > 0 ? dot * (1f / MathF.Sqrt(rowSquaredNorm)) * queryInverseNorm : 0f,
            _ => -MathF.Max(0f, rowSquaredNorm - (2f * dot) + querySquaredNorm),
        };

    /// <summary>Converts a ranking key back to the score users see (L2 keys are negated distances).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ScoreOf(SimilarityMetric metric, float key) => metric == SimilarityMetric.L2 ? -key : key;

    public static ScoredRow[] ToResults(SimilarityMetric metric, TopKCollector collector, int k)
    {
        var sorted = collector.ToSortedArray();
        var results = new ScoredRow[Math.Min(k, sorted.Length)];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = new ScoredRow(sorted[i].Row, ScoreOf(metric, sorted[i].Key) + 0f);
        }

        return results;
    }
}
