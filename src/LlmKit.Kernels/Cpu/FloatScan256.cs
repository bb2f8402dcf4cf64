using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmKit.Kernels.Cpu;

/// <summary>Loads 8 of the 16 values of one dimension of a row block as floats, with 256-bit vectors.</summary>
internal unsafe interface IBlockLoader256
{
    static abstract Vector256<float> Load(byte* block, int dimension, int half);
}

internal readonly unsafe struct Float32Loader256 : IBlockLoader256
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(byte* block, int dimension, int half) =>
        Vector256.Load((float*)block + (dimension * 16) + (half * 8));
}

/// <summary>The same exact integer widening as <see cref="Float16Loader"/>, 8 halves at a time.</summary>
internal readonly unsafe struct Float16Loader256 : IBlockLoader256
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(byte* block, int dimension, int half)
    {
        Vector256<uint> bits = Vector256.WidenLower(Vector128.Load((ushort*)block + (dimension * 16) + (half * 8)).ToVector256Unsafe());
        Vector256<uint> sign = (bits & Vector256.Create(0x8000u)) << 16;
        Vector256<float> magnitude = ((bits & Vector256.Create(0x7FFFu)) << 13).AsSingle() * Vector256.Create(5.192296858534828e33f);
        return (magnitude.AsUInt32() | sign).AsSingle();
    }
}

/// <summary>
/// The AVX2 (256-bit) kernels for machines without AVX-512: the same blocked layout and fused top-k as
/// <see cref="FloatScan{TLoader}"/>, a 16-row block as two vectors, and a 4-query × 16-row batch micro-kernel sized
/// for 16 vector registers. Keys are computed by the scalar formula, so results match every other path.
/// </summary>
internal static unsafe class FloatScan256<TLoader>
    where TLoader : struct, IBlockLoader256
{
    private const int ChunkBytes = 192 * 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(EmbeddingMatrix matrix, PreparedQueries queries, SimilarityMetric metric, RowFilter? filter,
        int blockStart, int blockEnd, TopKCollector[] collectors)
    {
        var scorer = new BlockScorer(matrix, metric, filter, blockEnd);
        int dims = matrix.Dimensions;
        long blockBytes = matrix.BlockBytes;
        int chunkBlocks = Math.Max(1, (int)(ChunkBytes / blockBytes));
        int tiles = queries.PaddedCount / PreparedQueries.Tile;
        float* dots = stackalloc float[4 * 16];
        fixed (float* allTiles = queries.TileValues)
        {
            for (int chunk = blockStart; chunk < blockEnd; chunk += chunkBlocks)
            {
                int chunkEnd = Math.Min(chunk + chunkBlocks, blockEnd);
                for (int t = 0; t < tiles; t++)
                {
                    float* tile = allTiles + ((long)t * dims * PreparedQueries.Tile);
                    for (int part = 0; part < 2; part++)
                    {
                        int firstQuery = (t * PreparedQueries.Tile) + (part * 4);
                        int count = Math.Min(4, queries.Count - firstQuery);
                        if (count <= 0)
                        {
                            break;
                        }

                        for (int b = chunk; b < chunkEnd; b++)
                        {
                            uint valid = scorer.ValidLanes(b);
                            if (valid == 0)
                            {
                                continue;
                            }

                            byte* block = matrix.Data + (b * blockBytes);
                            if (count == 1)
                            {
                                OneQuery(block, tile + (part * 4), dims, dots);
                            }
                            else
                            {
                                FourQueries(block, tile + (part * 4), dims, dots);
                            }

                            for (int i = 0; i < count; i++)
                            {
                                int q = firstQuery + i;
                                scorer.OfferScalar(dots + (i * 16), b, valid, queries.SquaredNorms[q], queries.InverseNorms[q], collectors[q]);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void OneQuery(byte* block, float* tile, int dims, float* dots)
    {
        Vector256<float> lo0 = default, hi0 = default, lo1 = default, hi1 = default;
        int d = 0;
        for (; d + 2 <= dims; d += 2)
        {
            var s0 = Vector256.Create(tile[d * 8]);
            lo0 = Vector256.FusedMultiplyAdd(TLoader.Load(block, d, 0), s0, lo0);
            hi0 = Vector256.FusedMultiplyAdd(TLoader.Load(block, d, 1), s0, hi0);
            var s1 = Vector256.Create(tile[(d + 1) * 8]);
            lo1 = Vector256.FusedMultiplyAdd(TLoader.Load(block, d + 1, 0), s1, lo1);
            hi1 = Vector256.FusedMultiplyAdd(TLoader.Load(block, d + 1, 1), s1, hi1);
        }

        if (d < dims)
        {
            var s0 = Vector256.Create(tile[d * 8]);
            lo0 = Vector256.FusedMultiplyAdd(TLoader.Load(block, d, 0), s0, lo0);
            hi0 = Vector256.FusedMultiplyAdd(TLoader.Load(block, d, 1), s0, hi0);
        }

        (lo0 + lo1).Store(dots);
        (hi0 + hi1).Store(dots + 8);
    }

    private static void FourQueries(byte* block, float* tile, int dims, float* dots)
    {
        Vector256<float> l0 = default, h0 = default, l1 = default, h1 = default, l2 = default, h2 = default, l3 = default, h3 = default;
        for (int d = 0; d < dims; d++)
        {
            var lo = TLoader.Load(block, d, 0);
            var hi = TLoader.Load(block, d, 1);
            float* q = tile + (d * 8);
            var s = Vector256.Create(q[0]);
            l0 = Vector256.FusedMultiplyAdd(lo, s, l0);
            h0 = Vector256.FusedMultiplyAdd(hi, s, h0);
            s = Vector256.Create(q[1]);
            l1 = Vector256.FusedMultiplyAdd(lo, s, l1);
            h1 = Vector256.FusedMultiplyAdd(hi, s, h1);
            s = Vector256.Create(q[2]);
            l2 = Vector256.FusedMultiplyAdd(lo, s, l2);
            h2 = Vector256.FusedMultiplyAdd(hi, s, h2);
            s = Vector256.Create(q[3]);
            l3 = Vector256.FusedMultiplyAdd(lo, s, l3);
            h3 = Vector256.FusedMultiplyAdd(hi, s, h3);
        }

        l0.Store(dots);
        h0.Store(dots + 8);
        l1.Store(dots + 16);
        h1.Store(dots + 24);
        l2.Store(dots + 32);
        h2.Store(dots + 40);
        l3.Store(dots + 48);
        h3.Store(dots + 56);
    }
}
