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
        FitsFloat16Scale = queries.IsEmpty || System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(queries) < 32768f;
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

    /// <summary>Queries the int8 batch kernel scores together.</summary>
    public const int Int8Tile = 8;

    public int Dimensions { get; }

    /// <summary>
    /// Gets the queries tile by tile, dimension-major inside a tile: [tile][dimension][query in tile], so the batch
    /// kernel finds the 8 values it broadcasts for one dimension in one cache line.
    /// </summary>
    public float[] TileValues => tileValues ??= BuildTiles();

    /// <summary>Gets, per query, the scale of its 8-bit copy (value ≈ scale × (byte − 128)).</summary>
    public float[]? Int8Scales { get; private set; }

    /// <summary>
    /// Gets the 8-bit queries for the VNNI kernel: each int packs 4 consecutive dimensions as unsigned bytes offset by
    /// 128, laid out [tile][group of 4 dimensions][query in tile].
    /// </summary>
    public int[]? Int8Tiles { get; private set; }

    private float[]? tileValues;
    private float[]? scaledValues;
    private float[]? scaledTileValues;

    /// <summary>
    /// The factor the float16 kernels' queries are multiplied by: they widen a half to its value × 2^-112 in three
    /// instructions (sign-extend, shift, mask) instead of seven, and the query carries the 2^112. Scaling by a power of
    /// two is exact, so every product, and so every dot product, is bit-identical to the unscaled one.
    /// </summary>
    public const float Float16QueryScale = 5.192296858534828e33f; // 2^112

    /// <summary>Gets whether every query value times <see cref="Float16QueryScale"/> stays finite (|value| below 2^15).</summary>
    public bool FitsFloat16Scale { get; }

    /// <summary>Gets <see cref="Values"/> × <see cref="Float16QueryScale"/>.</summary>
    public float[] ScaledValues => scaledValues ??= Scale(Values);

    /// <summary>Gets <see cref="TileValues"/> × <see cref="Float16QueryScale"/>.</summary>
    public float[] ScaledTileValues => scaledTileValues ??= Scale(TileValues);

    private static float[] Scale(float[] values)
    {
        var scaled = new float[values.Length];
        System.Numerics.Tensors.TensorPrimitives.Multiply(values, Float16QueryScale, scaled);
        return scaled;
    }

    public void PrepareInt8(int paddedDimensions)
    {
        if (Int8Tiles is not null)
        {
            return;
        }

        int groups = paddedDimensions / 4;
        var tiles = new int[PaddedCount * groups];
        var scales = new float[PaddedCount];
        for (int q = 0; q < PaddedCount; q++)
        {
            var query = Values.AsSpan(q * Dimensions, Dimensions);
            float maxAbs = 0;
            foreach (float v in query)
            {
                maxAbs = MathF.Max(maxAbs, MathF.Abs(v));
            }

            float scale = maxAbs / 127f;
            float inverse = scale == 0 ? 0 : 1f / scale;
            scales[q] = scale;
            int tile = q / Int8Tile, lane = q % Int8Tile;
            for (int g = 0; g < groups; g++)
            {
                uint packed = 0;
                for (int j = 0; j < 4; j++)
                {
                    int d = (g * 4) + j;
                    int value = d < Dimensions ? Math.Clamp((int)MathF.Round(query[d] * inverse), -127, 127) : 0;
                    packed |= (uint)(value + 128) << (8 * j);
                }

                tiles[(((tile * groups) + g) * Int8Tile) + lane] = (int)packed;
            }
        }

        Int8Scales = scales;
        Int8Tiles = tiles;
    }

    private float[] BuildTiles()
    {
        var tiles = new float[Values.Length];
        for (int q = 0; q < PaddedCount; q++)
        {
            int tile = q / Tile, lane = q % Tile;
            for (int d = 0; d < Dimensions; d++)
            {
                tiles[(((tile * Dimensions) + d) * Tile) + lane] = Values[(q * Dimensions) + d];
            }
        }

        return tiles;
    }

    public int Count { get; }

    public int PaddedCount { get; }

    public float[] Values { get; }

    public float[] SquaredNorms { get; }

    public float[] InverseNorms { get; }

    public ReadOnlySpan<float> Query(int q) => Values.AsSpan(q * Dimensions, Dimensions);
}
