using LlmKit.Kernels;

namespace LlmKit.Kernels.Tests;

/// <summary>
/// The plain definition every kernel must agree with: each score computed in double from the stored row values,
/// L2 as a direct sum of squared differences, then a full sort (best first, ties by lower row).
/// </summary>
internal static class Reference
{
    public static double Score(float[] query, float[] row, SimilarityMetric metric)
    {
        double dot = 0, qq = 0, rr = 0, l2 = 0;
        for (int d = 0; d < query.Length; d++)
        {
            dot += (double)query[d] * row[d];
            qq += (double)query[d] * query[d];
            rr += (double)row[d] * row[d];
            l2 += ((double)query[d] - row[d]) * ((double)query[d] - row[d]);
        }

        return metric switch
        {
            SimilarityMetric.Dot => dot,
            SimilarityMetric.Cosine => qq == 0 || rr == 0 ? 0 : dot / Math.Sqrt(qq * rr),
            _ => l2,
        };
    }

    /// <summary>Scores of every row (NaN for rows the filter denies).</summary>
    public static double[] AllScores(EmbeddingMatrix matrix, float[] query, SimilarityMetric metric, RowFilter? filter)
    {
        var scores = new double[matrix.Count];
        for (int row = 0; row < matrix.Count; row++)
        {
            scores[row] = filter is not null && !(row < filter.RowCount && filter[row])
                ? double.NaN
                : Score(query, matrix.GetRow(row), metric);
        }

        return scores;
    }

    public static (int Row, double Score)[] TopK(double[] scores, int k, SimilarityMetric metric)
    {
        bool lowerIsBetter = metric == SimilarityMetric.L2;
        return scores.Select((s, row) => (Row: row, Score: s))
            .Where(x => !double.IsNaN(x.Score))
            .OrderBy(x => lowerIsBetter ? x.Score : -x.Score)
            .ThenBy(x => x.Row)
            .Take(k)
            .ToArray();
    }

    /// <summary>
    /// Asserts a kernel result equals the reference up to float rounding: same length, each returned score is that
    /// row's true score, the order is best first with ties by row, and no row the reference ranks clearly better than
    /// the last returned one is missing.
    /// </summary>
    public static void AssertEquivalent(ScoredRow[] actual, double[] scores, int k, SimilarityMetric metric, double tolerance, string context)
    {
        var expected = TopK(scores, k, metric);
        Assert.True(expected.Length == actual.Length, $"{context}: expected {expected.Length} results, got {actual.Length}");
        bool lowerIsBetter = metric == SimilarityMetric.L2;
        for (int i = 0; i < actual.Length; i++)
        {
            var (row, score) = (actual[i].Row, actual[i].Score);
            Assert.True(row >= 0 && row < scores.Length && !double.IsNaN(scores[row]), $"{context}: row {row} is not an allowed row");
            Assert.True(Math.Abs(score - scores[row]) <= tolerance, $"{context}: row {row} scored {score}, reference {scores[row]}");
            Assert.True(Math.Abs(score - expected[i].Score) <= 2 * tolerance, $"{context}: rank {i} scored {score}, reference {expected[i].Score}");
            if (i > 0)
            {
                var previous = actual[i - 1];
                bool ordered = lowerIsBetter ? previous.Score <= score : previous.Score >= score;
                Assert.True(ordered, $"{context}: rank {i} is out of order");
                if (previous.Score == score)
                {
                    Assert.True(previous.Row < row, $"{context}: equal scores at rank {i} are not ordered by row");
                }
            }
        }

        Assert.Equal(actual.Length, actual.Select(r => r.Row).Distinct().Count());
        if (actual.Length > 0)
        {
            double last = actual[^1].Score;
            var returned = actual.Select(r => r.Row).ToHashSet();
            foreach (var (row, score) in expected)
            {
                bool clearlyBetter = lowerIsBetter ? score < last - (2 * tolerance) : score > last + (2 * tolerance);
                Assert.True(!clearlyBetter || returned.Contains(row), $"{context}: row {row} (score {score}) is missing");
            }
        }
    }

    /// <summary>
    /// One seeded property trial: a random shape (dimensions, rows, k up to beyond the row count, a batch or a single
    /// query, sometimes a filter shorter than the matrix), every query's result held to the double-precision reference.
    /// </summary>
    public static void RunTrial(SimilarityKernels kernels, MatrixKind kind, SimilarityMetric metric, Random random, string context,
        int[] dimensionChoices, int[] rowChoices, int maxK = int.MaxValue)
    {
        int dims = dimensionChoices[random.Next(dimensionChoices.Length)];
        int rows = rowChoices[random.Next(rowChoices.Length)];
        int k = Math.Min(maxK, random.Next(4) switch { 0 => 1, 1 => 10, 2 => rows + 5, _ => random.Next(1, 40) });
        int queryCount = random.Next(4) == 0 ? random.Next(2, 20) : 1;
        using var matrix = kind.Create(dims);
        matrix.AddRange(RandomVectors(random, rows, dims));
        RowFilter? filter = null;
        if (random.Next(3) == 0)
        {
            filter = new RowFilter(Math.Max(0, rows - random.Next(3)));
            for (int r = 0; r < filter.RowCount; r++)
            {
                filter[r] = random.Next(3) != 0;
            }
        }

        float[] queries = RandomVectors(random, queryCount, dims);
        var results = kernels.TopKBatch(matrix, queries, k, metric, filter);
        Assert.Equal(queryCount, results.Length);
        for (int q = 0; q < queryCount; q++)
        {
            float[] query = queries.AsSpan(q * dims, dims).ToArray();
            var scores = AllScores(matrix, query, metric, filter);
            double tolerance = 1e-4 * Math.Max(1, dims / 16.0);
            AssertEquivalent(results[q], scores, k, metric, tolerance,
                $"{context}: {kind} {metric} dims={dims} rows={rows} k={k} q={q} filtered={filter is not null}");
        }

        if (queryCount == 1)
        {
            var single = kernels.TopK(matrix, queries, k, metric, filter);
            Assert.Equal(results[0], single);
        }
    }

    public static float[] RandomVectors(Random random, int count, int dimensions, bool normalize = false)
    {
        var values = new float[count * dimensions];
        for (int i = 0; i < count; i++)
        {
            double norm = 0;
            for (int d = 0; d < dimensions; d++)
            {
                float v = (float)((random.NextDouble() * 2) - 1);
                values[(i * dimensions) + d] = v;
                norm += v * v;
            }

            if (normalize && norm > 0)
            {
                for (int d = 0; d < dimensions; d++)
                {
                    values[(i * dimensions) + d] /= (float)Math.Sqrt(norm);
                }
            }
        }

        return values;
    }
}

/// <summary>A storage and, optionally, a more precise copy kept for re-scoring.</summary>
public sealed record MatrixKind(EmbeddingStorage Storage, EmbeddingStorage? Rescoring, int Seed)
{
    public static readonly MatrixKind[] All =
    [
        new(EmbeddingStorage.Float32, null, 0),
        new(EmbeddingStorage.Float16, null, 1),
        new(EmbeddingStorage.Int8, null, 2),
        new(EmbeddingStorage.Int8, EmbeddingStorage.Float16, 3),
        new(EmbeddingStorage.Float16, EmbeddingStorage.Float32, 4),
    ];

    public EmbeddingMatrix Create(int dimensions) => new(dimensions, Storage, 0, Rescoring);

    public override string ToString() => Rescoring is null ? Storage.ToString() : $"{Storage}+{Rescoring}";
}
