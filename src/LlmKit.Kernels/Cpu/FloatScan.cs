using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmKit.Kernels.Cpu;

/// <summary>Loads the 16 values of one dimension of a row block as floats.</summary>
internal unsafe interface IBlockLoader
{
    static abstract int ElementSize { get; }

    /// <summary>Gets whether the loader returns values × 2^-112, so queries must be pre-scaled (<see cref="PreparedQueries.Float16QueryScale"/>).</summary>
    static abstract bool ScaledQuery { get; }

    static abstract Vector512<float> Load(byte* block, int dimension);
}

internal readonly unsafe struct Float32Loader : IBlockLoader
{
    public static int ElementSize => 4;

    public static bool ScaledQuery => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(byte* block, int dimension) => Vector512.Load((float*)block + (dimension * 16));
}

/// <summary>
/// Widens 16 halves with integer operations: .NET exposes no F16C/AVX-512 FP16 conversion, and this form (shift the
/// exponent and mantissa into place, rescale by 2^112) is exact for normal and subnormal halves. Storage never holds
/// infinities or NaN, which this form would not map.
/// </summary>
internal readonly unsafe struct Float16Loader : IBlockLoader
{
    public static int ElementSize => 2;

    public static bool ScaledQuery => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(byte* block, int dimension)
    {
        Vector512<uint> bits = Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)block + (dimension * 16)));
        Vector512<uint> sign = (bits & Vector512.Create(0x8000u)) << 16;
        Vector512<float> magnitude = ((bits & Vector512.Create(0x7FFFu)) << 13).AsSingle() * Vector512.Create(5.192296858534828e33f);
        return (magnitude.AsUInt32() | sign).AsSingle();
    }
}

/// <summary>
/// Widens 16 halves to their value × 2^-112 in three instructions: sign-extend each half to 32 bits, shift the exponent
/// and mantissa into the float's fields, and clear the three sign copies the shift left above the exponent. A normal
/// half becomes a normal float and a subnormal half a subnormal float, both exact, so with the query pre-scaled by 2^112
/// every product equals the unscaled one exactly. The loop is then memory-bound rather than bound by the widening.
/// </summary>
internal readonly unsafe struct Float16ScaledLoader : IBlockLoader
{
    public static int ElementSize => 2;

    public static bool ScaledQuery => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(byte* block, int dimension)
    {
        Vector512<int> widened = Avx512F.ConvertToVector512Int32(Vector256.Load((short*)block + (dimension * 16)));
        return ((widened << 13) & Vector512.Create(unchecked((int)0x8FFFFFFF))).AsSingle();
    }
}

/// <summary>
/// The AVX-512 kernels for float32 and float16 rows. One query streams the matrix once with four independent
/// accumulators per block (bound by memory bandwidth); a batch works through the rows in chunks that fit the L2 cache
/// and, for each chunk, runs a register-blocked 8-query × 48-row micro-kernel over every query tile, so the matrix is
/// read from memory once per batch.
/// </summary>
internal static unsafe class FloatScan<TLoader>
    where TLoader : struct, IBlockLoader
{
    private const int ChunkBytes = 192 * 1024;

    public static void Run(EmbeddingMatrix matrix, PreparedQueries queries, SimilarityMetric metric, RowFilter? filter,
        int blockStart, int blockEnd, TopKCollector[] collectors)
    {
        var scorer = new BlockScorer(matrix, metric, filter, blockEnd);
        if (queries.Count == 1)
        {
            fixed (float* query = TLoader.ScaledQuery ? queries.ScaledValues : queries.Values)
            {
                Single(matrix, query, queries.SquaredNorms[0], queries.InverseNorms[0], scorer, blockStart, blockEnd, collectors[0]);
            }

            return;
        }

        Batch(matrix, queries, scorer, blockStart, blockEnd, collectors);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Single(EmbeddingMatrix matrix, float* query, float squaredNorm, float inverseNorm, BlockScorer scorer,
        int blockStart, int blockEnd, TopKCollector collector)
    {
        int dims = matrix.Dimensions;
        long blockBytes = matrix.BlockBytes;
        for (int b = blockStart; b < blockEnd; b++)
        {
            uint valid = scorer.ValidLanes(b);
            if (valid == 0)
            {
                continue;
            }

            byte* block = matrix.Data + (b * blockBytes);
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            var acc2 = Vector512<float>.Zero;
            var acc3 = Vector512<float>.Zero;
            int d = 0;
            for (; d + 4 <= dims; d += 4)
            {
                acc0 = Vector512.FusedMultiplyAdd(TLoader.Load(block, d), Vector512.Create(query[d]), acc0);
                acc1 = Vector512.FusedMultiplyAdd(TLoader.Load(block, d + 1), Vector512.Create(query[d + 1]), acc1);
                acc2 = Vector512.FusedMultiplyAdd(TLoader.Load(block, d + 2), Vector512.Create(query[d + 2]), acc2);
                acc3 = Vector512.FusedMultiplyAdd(TLoader.Load(block, d + 3), Vector512.Create(query[d + 3]), acc3);
            }

            for (; d < dims; d++)
            {
                acc0 = Vector512.FusedMultiplyAdd(TLoader.Load(block, d), Vector512.Create(query[d]), acc0);
            }

            scorer.Offer((acc0 + acc1) + (acc2 + acc3), b, valid, squaredNorm, inverseNorm, collector);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Batch(EmbeddingMatrix matrix, PreparedQueries queries, BlockScorer scorer, int blockStart, int blockEnd,
        TopKCollector[] collectors)
    {
        int dims = matrix.Dimensions;
        long blockBytes = matrix.BlockBytes;
        int chunkBlocks = Math.Max(1, (int)(ChunkBytes / blockBytes / 3)) * 3;
        int tiles = queries.PaddedCount / PreparedQueries.Tile;
        float[] tileValues = TLoader.ScaledQuery ? queries.ScaledTileValues : queries.TileValues;
        float[] squaredNorms = queries.SquaredNorms;
        float[] inverseNorms = queries.InverseNorms;
        var dots = stackalloc Vector512<float>[24];
        fixed (float* allTiles = tileValues)
        {
            for (int chunk = blockStart; chunk < blockEnd; chunk += chunkBlocks)
            {
                int chunkEnd = Math.Min(chunk + chunkBlocks, blockEnd);
                for (int t = 0; t < tiles; t++)
                {
                    float* tile = allTiles + ((long)t * dims * PreparedQueries.Tile);
                    int queriesInTile = Math.Min(PreparedQueries.Tile, queries.Count - (t * PreparedQueries.Tile));
                    for (int b = chunk; b < chunkEnd; b += 3)
                    {
                        uint valid0 = scorer.ValidLanes(b);
                        uint valid1 = b + 1 < chunkEnd ? scorer.ValidLanes(b + 1) : 0;
                        uint valid2 = b + 2 < chunkEnd ? scorer.ValidLanes(b + 2) : 0;
                        if ((valid0 | valid1 | valid2) == 0)
                        {
                            continue;
                        }

                        MicroKernel(matrix.Data + (b * blockBytes), blockBytes, tile, dims, dots);
                        for (int i = 0; i < queriesInTile; i++)
                        {
                            int q = (t * PreparedQueries.Tile) + i;
                            scorer.Offer(dots[3 * i], b, valid0, squaredNorms[q], inverseNorms[q], collectors[q]);
                            scorer.Offer(dots[(3 * i) + 1], b + 1, valid1, squaredNorms[q], inverseNorms[q], collectors[q]);
                            scorer.Offer(dots[(3 * i) + 2], b + 2, valid2, squaredNorms[q], inverseNorms[q], collectors[q]);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// 8 queries × 3 blocks of 16 rows: 24 accumulators, 3 row loads and 8 broadcasts per 24 multiply-adds, the most the
    /// 32 vector registers hold; dots[query × 3 + block]. MaxSim reuses it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MicroKernel(byte* block0, long blockBytes, float* tile, int dims, Vector512<float>* dots)
    {
        byte* block1 = block0 + blockBytes;
        byte* block2 = block1 + blockBytes;
        Vector512<float> a00 = default, a01 = default, a02 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default;
        Vector512<float> a50 = default, a51 = default, a52 = default;
        Vector512<float> a60 = default, a61 = default, a62 = default;
        Vector512<float> a70 = default, a71 = default, a72 = default;
        for (int d = 0; d < dims; d++)
        {
            var x0 = TLoader.Load(block0, d);
            var x1 = TLoader.Load(block1, d);
            var x2 = TLoader.Load(block2, d);
            float* q = tile + (d * 8);
            var s0 = Vector512.Create(q[0]);
            a00 = Vector512.FusedMultiplyAdd(x0, s0, a00);
            a01 = Vector512.FusedMultiplyAdd(x1, s0, a01);
            a02 = Vector512.FusedMultiplyAdd(x2, s0, a02);
            var s1 = Vector512.Create(q[1]);
            a10 = Vector512.FusedMultiplyAdd(x0, s1, a10);
            a11 = Vector512.FusedMultiplyAdd(x1, s1, a11);
            a12 = Vector512.FusedMultiplyAdd(x2, s1, a12);
            var s2 = Vector512.Create(q[2]);
            a20 = Vector512.FusedMultiplyAdd(x0, s2, a20);
            a21 = Vector512.FusedMultiplyAdd(x1, s2, a21);
            a22 = Vector512.FusedMultiplyAdd(x2, s2, a22);
            var s3 = Vector512.Create(q[3]);
            a30 = Vector512.FusedMultiplyAdd(x0, s3, a30);
            a31 = Vector512.FusedMultiplyAdd(x1, s3, a31);
            a32 = Vector512.FusedMultiplyAdd(x2, s3, a32);
            var s4 = Vector512.Create(q[4]);
            a40 = Vector512.FusedMultiplyAdd(x0, s4, a40);
            a41 = Vector512.FusedMultiplyAdd(x1, s4, a41);
            a42 = Vector512.FusedMultiplyAdd(x2, s4, a42);
            var s5 = Vector512.Create(q[5]);
            a50 = Vector512.FusedMultiplyAdd(x0, s5, a50);
            a51 = Vector512.FusedMultiplyAdd(x1, s5, a51);
            a52 = Vector512.FusedMultiplyAdd(x2, s5, a52);
            var s6 = Vector512.Create(q[6]);
            a60 = Vector512.FusedMultiplyAdd(x0, s6, a60);
            a61 = Vector512.FusedMultiplyAdd(x1, s6, a61);
            a62 = Vector512.FusedMultiplyAdd(x2, s6, a62);
            var s7 = Vector512.Create(q[7]);
            a70 = Vector512.FusedMultiplyAdd(x0, s7, a70);
            a71 = Vector512.FusedMultiplyAdd(x1, s7, a71);
            a72 = Vector512.FusedMultiplyAdd(x2, s7, a72);
        }

        dots[0] = a00;
        dots[1] = a01;
        dots[2] = a02;
        dots[3] = a10;
        dots[4] = a11;
        dots[5] = a12;
        dots[6] = a20;
        dots[7] = a21;
        dots[8] = a22;
        dots[9] = a30;
        dots[10] = a31;
        dots[11] = a32;
        dots[12] = a40;
        dots[13] = a41;
        dots[14] = a42;
        dots[15] = a50;
        dots[16] = a51;
        dots[17] = a52;
        dots[18] = a60;
        dots[19] = a61;
        dots[20] = a62;
        dots[21] = a70;
        dots[22] = a71;
        dots[23] = a72;
    }
}
