using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmKit.Kernels.Cpu;

namespace LlmKit.Kernels.Reranking;

/// <summary>
/// Late-interaction (ColBERT MaxSim) scoring on the CPU: score(document) = Σ over query tokens of the best dot product
/// with any of the document's token vectors.
/// </summary>
/// <remarks>
/// The SIMD path reuses the matrix's blocked layout: for the 16-row blocks a document touches, a register-blocked
/// micro-kernel computes 8 query tokens × 48 token rows (three blocks) at once, rows outside the document are masked to
/// −∞, and a running maximum per query token is kept in a vector; one horizontal maximum per query token per document
/// ends it.
/// The block (16 rows × dimensions) stays in L1 while every tile of query tokens reads it, so the token matrix is read
/// from memory once per call.
/// </remarks>
internal static unsafe class LateInteraction
{
    /// <summary>Checks the offsets and candidates and returns each candidate's token rows as [start, end) pairs.</summary>
    public static int[] DocumentRanges(EmbeddingMatrix tokens, ReadOnlySpan<int> documentOffsets, ReadOnlySpan<int> candidates, out long candidateTokens)
    {
        int documents = documentOffsets.Length - 1;
        if (documents < 0 || documentOffsets[0] < 0 || documentOffsets[documents] > tokens.Count)
        {
            throw new ArgumentException(
                $"Document offsets must hold one entry per document plus one, from 0 up to at most the {tokens.Count} token rows.",
                nameof(documentOffsets));
        }

        var ranges = new int[candidates.Length * 2];
        candidateTokens = 0;
        for (int i = 0; i < candidates.Length; i++)
        {
            int document = candidates[i];
            if ((uint)document >= (uint)documents)
            {
                throw new ArgumentException($"Candidate {document} is not a document (there are {documents}).", nameof(candidates));
            }

            int start = documentOffsets[document], end = documentOffsets[document + 1];
            if (end <= start)
            {
                throw new ArgumentException(
                    end < start ? $"Document offsets decrease at document {document}." : $"Document {document} has no token vectors.",
                    end < start ? nameof(documentOffsets) : nameof(candidates));
            }

            ranges[2 * i] = start;
            ranges[(2 * i) + 1] = end;
            candidateTokens += end - start;
        }

        return ranges;
    }

    public static void Score(EmbeddingMatrix tokens, PreparedQueries query, int[] ranges, Span<float> destination, int threads, bool allowSimd)
    {
        int documents = ranges.Length / 2;
        var scores = new float[documents];
        bool simd = allowSimd && CpuScan.HasAvx512 && tokens.Storage != EmbeddingStorage.Int8;
        _ = query.TileValues; // built before any thread reads it
        if (threads <= 1 || documents < 2)
        {
            for (int i = 0; i < documents; i++)
            {
                scores[i] = ScoreDocument(tokens, query, ranges[2 * i], ranges[(2 * i) + 1], simd);
            }
        }
        else
        {
            Parallel.For(0, documents, new ParallelOptions { MaxDegreeOfParallelism = threads },
                i => scores[i] = ScoreDocument(tokens, query, ranges[2 * i], ranges[(2 * i) + 1], simd));
        }

        scores.CopyTo(destination);
    }

    /// <summary>The scalar definition: each query token's best dot product, summed in query-token order.</summary>
    public static float ScoreScalar(EmbeddingMatrix tokens, PreparedQueries query, int start, int end)
    {
        float total = 0;
        for (int q = 0; q < query.Count; q++)
        {
            float best = float.NegativeInfinity;
            for (int row = start; row < end; row++)
            {
                best = MathF.Max(best, ScalarScan.Dot(tokens, query.Query(q), row));
            }

            total += best;
        }

        return total;
    }

    private static float ScoreDocument(EmbeddingMatrix tokens, PreparedQueries query, int start, int end, bool simd)
    {
        if (!simd)
        {
            return ScoreScalar(tokens, query, start, end);
        }

        return tokens.Storage == EmbeddingStorage.Float32
            ? ScoreDocument<Float32Loader>(tokens, query, start, end)
            : ScoreDocument<Float16Loader>(tokens, query, start, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ScoreDocument<TLoader>(EmbeddingMatrix tokens, PreparedQueries query, int start, int end)
        where TLoader : struct, IBlockLoader
    {
        int tiles = query.PaddedCount / PreparedQueries.Tile;
        var best = stackalloc Vector512<float>[query.PaddedCount];
        for (int i = 0; i < query.PaddedCount; i++)
        {
            best[i] = Vector512.Create(float.NegativeInfinity);
        }

        int dims = tokens.Dimensions;
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var dots = stackalloc Vector512<float>[3 * PreparedQueries.Tile];
        int firstBlock = start / EmbeddingMatrix.BlockRows;
        int endBlock = (end + EmbeddingMatrix.BlockRows - 1) / EmbeddingMatrix.BlockRows;
        fixed (float* allTiles = query.TileValues)
        {
            // Three blocks at a time (24 accumulators, as the batch top-k kernel), then the one or two left one at a time.
            for (int block = firstBlock; block < endBlock;)
            {
                int width = endBlock - block >= 3 ? 3 : 1;
                byte* data = tokens.Data + (block * tokens.BlockBytes);
                for (int t = 0; t < tiles; t++)
                {
                    float* tile = allTiles + ((long)t * dims * PreparedQueries.Tile);
                    if (width == 3)
                    {
                        ThreeBlocks<TLoader>(data, tokens.BlockBytes, tile, dims, dots);
                    }
                    else
                    {
                        OneBlock<TLoader>(data, tile, dims, dots);
                    }

                    Vector512<float>* b = best + (t * PreparedQueries.Tile);
                    for (int j = 0; j < width; j++)
                    {
                        // Lanes whose row belongs to the document; the others must never win a maximum.
                        int first = (block + j) * EmbeddingMatrix.BlockRows;
                        var inside = (Vector512.GreaterThanOrEqual(lanes, Vector512.Create(start - first)) &
                            Vector512.LessThan(lanes, Vector512.Create(end - first))).AsSingle();
                        var minus = Vector512.Create(float.NegativeInfinity);
                        for (int i = 0; i < PreparedQueries.Tile; i++)
                        {
                            b[i] = Vector512.Max(b[i], Vector512.ConditionalSelect(inside, dots[(i * 3) + j], minus));
                        }
                    }
                }

                block += width;
            }
        }

        float total = 0;
        for (int q = 0; q < query.Count; q++)
        {
            float max = float.NegativeInfinity;
            for (int lane = 0; lane < 16; lane++)
            {
                max = MathF.Max(max, best[q].GetElement(lane));
            }

            total += max;
        }

        return total;
    }

    /// <summary>8 query tokens × the 16 rows of one block: dots[i × 3] for query token i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneBlock<TLoader>(byte* block, float* tile, int dims, Vector512<float>* dots)
        where TLoader : struct, IBlockLoader
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int d = 0; d < dims; d++)
        {
            var x = TLoader.Load(block, d);
            float* q = tile + (d * 8);
            a0 = Vector512.FusedMultiplyAdd(x, Vector512.Create(q[0]), a0);
            a1 = Vector512.FusedMultiplyAdd(x, Vector512.Create(q[1]), a1);
            a2 = Vector512.FusedMultiplyAdd(x, Vector512.Create(q[2]), a2);
            a3 = Vector512.FusedMultiplyAdd(x, Vector512.Create(q[3]), a3);
            a4 = Vector512.FusedMultiplyAdd(x, Vector512.Create(q[4]), a4);
            a5 = Vector512.FusedMultiplyAdd(x, Vector512.Create(q[5]), a5);
            a6 = Vector512.FusedMultiplyAdd(x, Vector512.Create(q[6]), a6);
            a7 = Vector512.FusedMultiplyAdd(x, Vector512.Create(q[7]), a7);
        }

        dots[0] = a0;
        dots[3] = a1;
        dots[6] = a2;
        dots[9] = a3;
        dots[12] = a4;
        dots[15] = a5;
        dots[18] = a6;
        dots[21] = a7;
    }

    /// <summary>
    /// 8 query tokens × 3 blocks of 16 rows: 24 accumulators, 3 row loads and 8 broadcasts per 24 multiply-adds, the
    /// most the 32 vector registers hold; dots[i × 3 + j] for query token i and block j.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ThreeBlocks<TLoader>(byte* block0, long blockBytes, float* tile, int dims, Vector512<float>* dots)
        where TLoader : struct, IBlockLoader
    {
        byte* block1 = block0 + blockBytes;
        byte* block2 = block1 + blockBytes;
        Vector512<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default;
        Vector512<float> a60 = default, a61 = default, a62 = default, a70 = default, a71 = default, a72 = default;
        for (int d = 0; d < dims; d++)
        {
            var x0 = TLoader.Load(block0, d);
            var x1 = TLoader.Load(block1, d);
            var x2 = TLoader.Load(block2, d);
            float* q = tile + (d * 8);
            var s = Vector512.Create(q[0]);
            a00 = Vector512.FusedMultiplyAdd(x0, s, a00);
            a01 = Vector512.FusedMultiplyAdd(x1, s, a01);
            a02 = Vector512.FusedMultiplyAdd(x2, s, a02);
            s = Vector512.Create(q[1]);
            a10 = Vector512.FusedMultiplyAdd(x0, s, a10);
            a11 = Vector512.FusedMultiplyAdd(x1, s, a11);
            a12 = Vector512.FusedMultiplyAdd(x2, s, a12);
            s = Vector512.Create(q[2]);
            a20 = Vector512.FusedMultiplyAdd(x0, s, a20);
            a21 = Vector512.FusedMultiplyAdd(x1, s, a21);
            a22 = Vector512.FusedMultiplyAdd(x2, s, a22);
            s = Vector512.Create(q[3]);
            a30 = Vector512.FusedMultiplyAdd(x0, s, a30);
            a31 = Vector512.FusedMultiplyAdd(x1, s, a31);
            a32 = Vector512.FusedMultiplyAdd(x2, s, a32);
            s = Vector512.Create(q[4]);
            a40 = Vector512.FusedMultiplyAdd(x0, s, a40);
            a41 = Vector512.FusedMultiplyAdd(x1, s, a41);
            a42 = Vector512.FusedMultiplyAdd(x2, s, a42);
            s = Vector512.Create(q[5]);
            a50 = Vector512.FusedMultiplyAdd(x0, s, a50);
            a51 = Vector512.FusedMultiplyAdd(x1, s, a51);
            a52 = Vector512.FusedMultiplyAdd(x2, s, a52);
            s = Vector512.Create(q[6]);
            a60 = Vector512.FusedMultiplyAdd(x0, s, a60);
            a61 = Vector512.FusedMultiplyAdd(x1, s, a61);
            a62 = Vector512.FusedMultiplyAdd(x2, s, a62);
            s = Vector512.Create(q[7]);
            a70 = Vector512.FusedMultiplyAdd(x0, s, a70);
            a71 = Vector512.FusedMultiplyAdd(x1, s, a71);
            a72 = Vector512.FusedMultiplyAdd(x2, s, a72);
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
