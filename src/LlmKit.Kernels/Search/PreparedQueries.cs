namespace LlmKit.Kernels;

/// <summary>Queries checked once and copied into the shape the kernels read: padded to a whole tile, with norms.</summary>
internal sealed class PreparedQueries
{
    /// <summary>Queries a batch kernel scores together against each row block.</summary>
    public const int Tile = 8;

    public PreparedQueries(ReadOnlySpan<float> queries, int dimensions, string parameterName)
    {
        if (queries.Length % dimensions != 0)
        {
            throw new ArgumentException($"The query length {queries.Length} is not a multiple of {dimensions} dimensions.", parameterName);
        }

        Dimensions = dimensions;
        Count = queries.Length / dimensions;
        PaddedCount = (Count + Tile - 1) / Tile * Tile;
        Values = new float[PaddedCount * dimensions];
        SquaredNorms = new float[PaddedCount];
        InverseNorms = new float[PaddedCount];
        for (int i = 0; i < queries.Length; i++)
        {
            if (!float.IsFinite(queries[i]))
            {
                throw new ArgumentException(
                    $"Query {i / dimensions} has the value {queries[i]} at dimension {i % dimensions}; values must be finite.",
                    parameterName);
            }
        }

        queries.CopyTo(Values);
        for (int q = 0; q < Count; q++)
        {
            double sum = 0;
            foreach (float v in Values.AsSpan(q * dimensions, dimensions))
            {
                sum += (double)v * v;
            }

            SquaredNorms[q] = (float)sum;
            InverseNorms[q] = sum > 0 ? (float)(1 / Math.Sqrt(sum)) : 0;
        }
    }

    public int Dimensions { get; }

    public int Count { get; }

    public int PaddedCount { get; }

    public float[] Values { get; }

    public float[] SquaredNorms { get; }

    public float[] InverseNorms { get; }

    public ReadOnlySpan<float> Query(int q) => Values.AsSpan(q * Dimensions, Dimensions);
}
