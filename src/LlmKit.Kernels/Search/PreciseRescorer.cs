using System.Numerics.Tensors;

namespace LlmKit.Kernels;

/// <summary>
/// Scores chosen rows against a query with the most precise copy of each row the matrix holds: its re-scoring copy
/// when it keeps one, else the stored row (int8 dequantized one value at a time, as the scalar reference does).
/// </summary>
/// <remarks>Holds a row buffer: one instance per call, not shared between threads.</remarks>
internal sealed unsafe class PreciseRescorer(EmbeddingMatrix matrix)
{
    private readonly float[] buffer = new float[matrix.Dimensions];

    public float Key(PreparedQueries queries, int q, int row, SimilarityMetric metric)
    {
        var query = queries.Query(q);
        float dot;
        if (matrix.RescoringStorage == EmbeddingStorage.Float32)
        {
            dot = TensorPrimitives.Dot(query, new ReadOnlySpan<float>((float*)matrix.RescoringRows + ((long)row * matrix.Dimensions), matrix.Dimensions));
        }
        else if (matrix.RescoringStorage == EmbeddingStorage.Float16)
        {
            TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>((Half*)matrix.RescoringRows + ((long)row * matrix.Dimensions), matrix.Dimensions), buffer);
            dot = TensorPrimitives.Dot(query, buffer);
        }
        else if (matrix.Storage == EmbeddingStorage.Int8)
        {
            dot = Int8Dot(query, row);
        }
        else
        {
            matrix.CopyRow(row, buffer);
            dot = TensorPrimitives.Dot(query, buffer);
        }

        return ScoreMath.Key(metric, dot, matrix.PreciseSquaredNorm(row), queries.SquaredNorms[q], queries.InverseNorms[q]);
    }

    /// <summary>The float query against one int8 row, as scale × Σ q·x — the same value the scalar path computes.</summary>
    private float Int8Dot(ReadOnlySpan<float> query, int row)
    {
        sbyte* values = (sbyte*)(matrix.Data + (row / EmbeddingMatrix.BlockRows * matrix.BlockBytes)) + (row % EmbeddingMatrix.BlockRows * 4);
        float scale = matrix.Scales[row];
        float sum = 0;
        for (int d = 0; d < query.Length; d++)
        {
            sum += query[d] * (scale * values[((d >> 2) * EmbeddingMatrix.BlockRows * 4) + (d & 3)]);
        }

        return sum;
    }
}
