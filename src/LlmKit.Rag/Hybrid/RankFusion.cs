namespace LlmKit.Rag.Hybrid;

/// <summary>Merges ranked lists from different retrievers into one ranking.</summary>
public static class RankFusion
{
    /// <summary>
    /// Reciprocal Rank Fusion (Cormack et al., 2009): each list adds weight / (k + rank) to every id it holds, rank
    /// counted from 1. It needs no score calibration, which is why it is the default for mixing BM25 and cosine scores.
    /// </summary>
    /// <param name="lists">The ranked lists, best first.</param>
    /// <param name="k">The rank offset; larger values flatten the advantage of the top ranks.</param>
    /// <param name="weights">One weight per list; <see langword="null"/> for 1 each.</param>
    /// <returns>Every id found, with its fused score, best first (ties keep first-seen order).</returns>
    public static IReadOnlyList<SearchHit> ReciprocalRank(IReadOnlyList<IReadOnlyList<SearchHit>> lists, double k = HybridConstants.DefaultRrfK, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        CheckWeights(lists, weights);
        var scores = new Dictionary<string, (double Score, int Order)>(StringComparer.Ordinal);
        for (int l = 0; l < lists.Count; l++)
        {
            double w = weights?[l] ?? 1;
            var list = lists[l];
            for (int r = 0; r < list.Count; r++)
            {
                Accumulate(scores, list[r].Id, w / (k + r + 1));
            }
        }

        return Sorted(scores);
    }

    /// <summary>
    /// Weighted score fusion: each list's scores are min-max normalized to [0, 1], multiplied by the list's weight and
    /// summed; an id missing from a list gets 0 from it.
    /// </summary>
    /// <param name="lists">The ranked lists with their raw scores.</param>
    /// <param name="weights">One weight per list; <see langword="null"/> for 1 each.</param>
    /// <returns>Every id found, with its fused score, best first.</returns>
    public static IReadOnlyList<SearchHit> WeightedScore(IReadOnlyList<IReadOnlyList<SearchHit>> lists, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(lists);
        CheckWeights(lists, weights);
        var scores = new Dictionary<string, (double Score, int Order)>(StringComparer.Ordinal);
        for (int l = 0; l < lists.Count; l++)
        {
            var list = lists[l];
            if (list.Count == 0)
            {
                continue;
            }

            double w = weights?[l] ?? 1;
            double min = list.Min(h => h.Score);
            double max = list.Max(h => h.Score);
            double range = max - min;
            foreach (var hit in list)
            {
                // A single-valued list carries no contrast between its members: all get the full weight.
                double normalized = range > 0 ? (hit.Score - min) / range : 1;
                Accumulate(scores, hit.Id, w * normalized);
            }
        }

        return Sorted(scores);
    }

    private static void CheckWeights(IReadOnlyList<IReadOnlyList<SearchHit>> lists, IReadOnlyList<double>? weights)
    {
        if (weights is not null && weights.Count != lists.Count)
        {
            throw new ArgumentException($"{weights.Count} weights were given for {lists.Count} lists.", nameof(weights));
        }
    }

    private static void Accumulate(Dictionary<string, (double Score, int Order)> scores, string id, double add)
    {
        scores[id] = scores.TryGetValue(id, out var current) ? (current.Score + add, current.Order) : (add, scores.Count);
    }

    private static SearchHit[] Sorted(Dictionary<string, (double Score, int Order)> scores) =>
        scores.OrderByDescending(kv => kv.Value.Score).ThenBy(kv => kv.Value.Order)
            .Select(kv => new SearchHit(kv.Key, (float)kv.Value.Score)).ToArray();
}
