using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmKit.Kernels.Cpu;

/// <summary>
/// Turns the 16 dot products of one row block into ranking keys and offers only the rows that beat the collector's
/// threshold, so the heap is touched for a handful of rows per query instead of every row.
/// </summary>
internal readonly unsafe struct BlockScorer
{
    private readonly float* squaredNorms;
    private readonly SimilarityMetric metric;
    private readonly RowFilter? filter;
    private readonly int rowLimit;

    public BlockScorer(EmbeddingMatrix matrix, SimilarityMetric metric, RowFilter? filter, int blockEnd)
    {
        squaredNorms = matrix.SquaredNorms;
        this.metric = metric;
        this.filter = filter;
        rowLimit = Math.Min(matrix.Count, blockEnd * EmbeddingMatrix.BlockRows);
    }

    /// <summary>Gets the lanes of a block that hold rows this scan may return (inside its range and allowed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ValidLanes(int block)
    {
        int first = block * EmbeddingMatrix.BlockRows;
        int remaining = rowLimit - first;
        if (remaining <= 0)
        {
            return 0;
        }

        uint lanes = remaining >= 16 ? 0xFFFFu : (1u << remaining) - 1;
        return filter is null ? lanes : lanes & filter.BlockMask(first);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Offer(Vector512<float> dot, int block, uint validLanes, float querySquaredNorm, float queryInverseNorm, TopKCollector collector)
    {
        if (validLanes == 0)
        {
            return;
        }

        int first = block * EmbeddingMatrix.BlockRows;
        Vector512<float> key;
        switch (metric)
        {
            case SimilarityMetric.Dot:
                key = dot;
                break;
            case SimilarityMetric.Cosine:
                {
                    var norms = Vector512.Load(squaredNorms + first);
                    var inverse = Vector512.ConditionalSelect(
                        Vector512.GreaterThan(norms, Vector512<float>.Zero),
                        Vector512<float>.One / Vector512.Sqrt(norms),
                        Vector512<float>.Zero);
                    key = dot * inverse * Vector512.Create(queryInverseNorm);
                    break;
                }

            default:
                {
                    var norms = Vector512.Load(squaredNorms + first);
                    key = -Vector512.Max(Vector512<float>.Zero, norms - (Vector512.Create(2f) * dot) + Vector512.Create(querySquaredNorm));
                    break;
                }
        }

        // Until the heap is full every non-NaN key gets in (even -inf, a legitimate score of finite inputs); after
        // that only keys above the worst kept one. Rows arrive in increasing order, so an equal key never wins.
        var admitted = collector.IsFull
            ? Vector512.GreaterThan(key, Vector512.Create(collector.Threshold))
            : Vector512.Equals(key, key);
        uint winners = (uint)admitted.ExtractMostSignificantBits() & validLanes;
        while (winners != 0)
        {
            int lane = BitOperations.TrailingZeroCount(winners);
            winners &= winners - 1;
            collector.Offer(key.GetElement(lane), first + lane);
        }
    }

    /// <summary>The same as <see cref="Offer"/> for 16 dot products in memory, with the scalar key formula.</summary>
    public void OfferScalar(float* dots, int block, uint validLanes, float querySquaredNorm, float queryInverseNorm, TopKCollector collector)
    {
        int first = block * EmbeddingMatrix.BlockRows;
        while (validLanes != 0)
        {
            int lane = BitOperations.TrailingZeroCount(validLanes);
            validLanes &= validLanes - 1;
            float key = ScoreMath.Key(metric, dots[lane], squaredNorms[first + lane], querySquaredNorm, queryInverseNorm);
            if (!collector.IsFull || key > collector.Threshold)
            {
                collector.Offer(key, first + lane);
            }
        }
    }
}
