using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmKit.Kernels.Cpu;

/// <summary>
/// The int8 kernel: VNNI (vpdpbusd) multiplies 4 unsigned query bytes by 4 signed row bytes and adds them into 32-bit
/// lanes, 8 rows per instruction. The query is quantized to bytes offset by 128 because VNNI needs one operand unsigned;
/// the offset is removed with each row's stored sum (Σ(q+128)·x = Σq·x + 128·Σx). The approximate scores only rank
/// candidates; <see cref="SimilarityKernels"/> re-scores the survivors with the float query.
/// </summary>
/// <remarks>.NET 10 exposes VNNI only at 256 bits (AvxVnni), so a 16-row block is two vectors.</remarks>
internal static unsafe class Int8Scan
{
    private const int ChunkBytes = 192 * 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(EmbeddingMatrix matrix, PreparedQueries queries, SimilarityMetric metric, RowFilter? filter,
        int blockStart, int blockEnd, TopKCollector[] collectors)
    {
        var scorer = new BlockScorer(matrix, metric, filter, blockEnd);
        int groups = matrix.PaddedDimensions / 4;
        long blockBytes = matrix.BlockBytes;
        int tiles = queries.PaddedCount / PreparedQueries.Int8Tile;
        int chunkBlocks = Math.Max(1, (int)(ChunkBytes / blockBytes));
        var dots = stackalloc Vector512<float>[PreparedQueries.Int8Tile];
        fixed (int* allTiles = queries.Int8Tiles)
        fixed (float* queryScales = queries.Int8Scales)
        {
            for (int chunk = blockStart; chunk < blockEnd; chunk += chunkBlocks)
            {
                int chunkEnd = Math.Min(chunk + chunkBlocks, blockEnd);
                for (int t = 0; t < tiles; t++)
                {
                    int queriesInTile = Math.Min(PreparedQueries.Int8Tile, queries.Count - (t * PreparedQueries.Int8Tile));
                    if (queriesInTile <= 0)
                    {
                        break;
                    }

                    int* tile = allTiles + ((long)t * groups * PreparedQueries.Int8Tile);
                    for (int b = chunk; b < chunkEnd; b++)
                    {
                        uint valid = scorer.ValidLanes(b);
                        if (valid == 0)
                        {
                            continue;
                        }

                        byte* block = matrix.Data + (b * blockBytes);
                        if (queriesInTile == 1)
                        {
                            dots[0] = Rescale(OneQuery(block, tile, groups), matrix, b, queryScales[t * PreparedQueries.Int8Tile]);
                        }
                        else
                        {
                            EightQueries(block, tile, groups, matrix, b, queryScales + (t * PreparedQueries.Int8Tile), dots);
                        }

                        for (int i = 0; i < queriesInTile; i++)
                        {
                            int q = (t * PreparedQueries.Int8Tile) + i;
                            scorer.Offer(dots[i], b, valid, queries.SquaredNorms[q], queries.InverseNorms[q], collectors[q]);
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Rescale(Vector512<int> sums, EmbeddingMatrix matrix, int block, float queryScale)
    {
        int first = block * EmbeddingMatrix.BlockRows;
        var rowSums = Vector512.Load(matrix.RowSums + first);
        var exact = sums - (rowSums << 7);
        return Vector512.ConvertToSingle(exact) * Vector512.Load(matrix.Scales + first) * Vector512.Create(queryScale);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector512<int> OneQuery(byte* block, int* tile, int groups)
    {
        Vector256<int> lo0 = default, hi0 = default, lo1 = default, hi1 = default;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            var q0 = Vector256.Create(tile[g * PreparedQueries.Int8Tile]).AsByte();
            lo0 = AvxVnni.MultiplyWideningAndAdd(lo0, q0, Vector256.Load((sbyte*)block + (g * 64)));
            hi0 = AvxVnni.MultiplyWideningAndAdd(hi0, q0, Vector256.Load((sbyte*)block + (g * 64) + 32));
            var q1 = Vector256.Create(tile[(g + 1) * PreparedQueries.Int8Tile]).AsByte();
            lo1 = AvxVnni.MultiplyWideningAndAdd(lo1, q1, Vector256.Load((sbyte*)block + (g * 64) + 64));
            hi1 = AvxVnni.MultiplyWideningAndAdd(hi1, q1, Vector256.Load((sbyte*)block + (g * 64) + 96));
        }

        if (g < groups)
        {
            var q0 = Vector256.Create(tile[g * PreparedQueries.Int8Tile]).AsByte();
            lo0 = AvxVnni.MultiplyWideningAndAdd(lo0, q0, Vector256.Load((sbyte*)block + (g * 64)));
            hi0 = AvxVnni.MultiplyWideningAndAdd(hi0, q0, Vector256.Load((sbyte*)block + (g * 64) + 32));
        }

        return Vector512.Create(lo0 + lo1, hi0 + hi1);
    }

    /// <summary>8 queries × 16 rows: 16 accumulators, 2 row loads and 8 broadcasts per 16 VNNI instructions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EightQueries(byte* block, int* tile, int groups, EmbeddingMatrix matrix, int blockIndex, float* queryScales, Vector512<float>* dots)
    {
        Vector256<int> l0 = default, h0 = default, l1 = default, h1 = default, l2 = default, h2 = default, l3 = default, h3 = default;
        Vector256<int> l4 = default, h4 = default, l5 = default, h5 = default, l6 = default, h6 = default, l7 = default, h7 = default;
        for (int g = 0; g < groups; g++)
        {
            var lo = Vector256.Load((sbyte*)block + (g * 64));
            var hi = Vector256.Load((sbyte*)block + (g * 64) + 32);
            int* q = tile + (g * PreparedQueries.Int8Tile);
            var s = Vector256.Create(q[0]).AsByte();
            l0 = AvxVnni.MultiplyWideningAndAdd(l0, s, lo);
            h0 = AvxVnni.MultiplyWideningAndAdd(h0, s, hi);
            s = Vector256.Create(q[1]).AsByte();
            l1 = AvxVnni.MultiplyWideningAndAdd(l1, s, lo);
            h1 = AvxVnni.MultiplyWideningAndAdd(h1, s, hi);
            s = Vector256.Create(q[2]).AsByte();
            l2 = AvxVnni.MultiplyWideningAndAdd(l2, s, lo);
            h2 = AvxVnni.MultiplyWideningAndAdd(h2, s, hi);
            s = Vector256.Create(q[3]).AsByte();
            l3 = AvxVnni.MultiplyWideningAndAdd(l3, s, lo);
            h3 = AvxVnni.MultiplyWideningAndAdd(h3, s, hi);
            s = Vector256.Create(q[4]).AsByte();
            l4 = AvxVnni.MultiplyWideningAndAdd(l4, s, lo);
            h4 = AvxVnni.MultiplyWideningAndAdd(h4, s, hi);
            s = Vector256.Create(q[5]).AsByte();
            l5 = AvxVnni.MultiplyWideningAndAdd(l5, s, lo);
            h5 = AvxVnni.MultiplyWideningAndAdd(h5, s, hi);
            s = Vector256.Create(q[6]).AsByte();
            l6 = AvxVnni.MultiplyWideningAndAdd(l6, s, lo);
            h6 = AvxVnni.MultiplyWideningAndAdd(h6, s, hi);
            s = Vector256.Create(q[7]).AsByte();
            l7 = AvxVnni.MultiplyWideningAndAdd(l7, s, lo);
            h7 = AvxVnni.MultiplyWideningAndAdd(h7, s, hi);
        }

        dots[0] = Rescale(Vector512.Create(l0, h0), matrix, blockIndex, queryScales[0]);
        dots[1] = Rescale(Vector512.Create(l1, h1), matrix, blockIndex, queryScales[1]);
        dots[2] = Rescale(Vector512.Create(l2, h2), matrix, blockIndex, queryScales[2]);
        dots[3] = Rescale(Vector512.Create(l3, h3), matrix, blockIndex, queryScales[3]);
        dots[4] = Rescale(Vector512.Create(l4, h4), matrix, blockIndex, queryScales[4]);
        dots[5] = Rescale(Vector512.Create(l5, h5), matrix, blockIndex, queryScales[5]);
        dots[6] = Rescale(Vector512.Create(l6, h6), matrix, blockIndex, queryScales[6]);
        dots[7] = Rescale(Vector512.Create(l7, h7), matrix, blockIndex, queryScales[7]);
    }
}
