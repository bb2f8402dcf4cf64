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
            // Three blocks at a time with the batch top-k micro-kernel (24 accumulators), then the one or two left one at a time.
            for (int block = firstBlock; block < endBlock;)
            {
                int width = endBlock - block >= 3 ? 3 : 1;
                byte* data = tokens.Data + (block * tokens.BlockBytes);
                for (int t = 0; t < tiles; t++)
                {
                    float* tile = allTiles + ((long)t * dims * PreparedQueries.Tile);
                    if (width == 3)
                    {
                        FloatScan<TLoader>.MicroKernel(data, tokens.BlockBytes, tile, dims, dots);
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
}
