namespace LlmKit.Rag.Evaluation;

/// <summary>Standard ranking metrics over one query's ranked document ids.</summary>
public static class RetrievalMetrics
{
    /// <summary>The fraction of the relevant documents found in the first <paramref name="k"/> results.</summary>
    /// <param name="ranked">Document ids, best first (duplicates count once).</param>
    /// <param name="relevant">The relevant ids with grades above 0.</param>
    /// <param name="k">The cut-off.</param>
    /// <returns>Recall@k in [0, 1]; 0 when nothing is relevant.</returns>
    public static double RecallAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, int> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(relevant);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (relevant.Count == 0)
        {
            return 0;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        int found = 0;
        for (int i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            if (seen.Add(ranked[i]) && relevant.TryGetValue(ranked[i], out int g) && g > 0)
            {
                found++;
            }
        }

        return (double)found / relevant.Count(r => r.Value > 0);
    }

    /// <summary>The fraction of the first <paramref name="k"/> results that are relevant (a short list still divides by <paramref name="k"/>, as trec_eval does).</summary>
    /// <param name="ranked">Document ids, best first (duplicates count once).</param>
    /// <param name="relevant">The relevant ids with grades above 0.</param>
    /// <param name="k">The cut-off.</param>
    /// <returns>P@k in [0, 1].</returns>
    public static double PrecisionAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, int> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(relevant);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int found = 0;
        for (int i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            if (seen.Add(ranked[i]) && relevant.TryGetValue(ranked[i], out int g) && g > 0)
            {
                found++;
            }
        }

        return (double)found / k;
    }

    /// <summary>The reciprocal of the rank of the first relevant result within the first <paramref name="k"/>, or 0.</summary>
    /// <param name="ranked">Document ids, best first.</param>
    /// <param name="relevant">The relevant ids with grades.</param>
    /// <param name="k">The cut-off; <see langword="null"/> for none.</param>
    /// <returns>The reciprocal rank.</returns>
    public static double ReciprocalRank(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, int> relevant, int? k = null)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(relevant);
        int limit = Math.Min(k ?? int.MaxValue, ranked.Count);
        for (int i = 0; i < limit; i++)
        {
            if (relevant.TryGetValue(ranked[i], out int g) && g > 0)
            {
                return 1.0 / (i + 1);
            }
        }

        return 0;
    }

    /// <summary>
    /// Normalized discounted cumulative gain at <paramref name="k"/>, with gain = grade and discount log2(rank + 1)
    /// (the trec_eval definition), normalized by the ideal ordering of all judged documents.
    /// </summary>
    /// <param name="ranked">Document ids, best first (a repeated id gains nothing the second time).</param>
    /// <param name="relevant">The relevant ids with grades.</param>
    /// <param name="k">The cut-off.</param>
    /// <returns>nDCG@k in [0, 1]; 0 when nothing is relevant.</returns>
    public static double NdcgAtK(IReadOnlyList<string> ranked, IReadOnlyDictionary<string, int> relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(ranked);
        ArgumentNullException.ThrowIfNull(relevant);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        double dcg = 0;
        for (int i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            if (seen.Add(ranked[i]) && relevant.TryGetValue(ranked[i], out int g) && g > 0)
            {
                dcg += g / Math.Log2(i + 2);
            }
        }

        double ideal = 0;
        int rank = 0;
        foreach (int g in relevant.Values.Where(g => g > 0).OrderDescending().Take(k))
        {
            ideal += g / Math.Log2(rank + 2);
            rank++;
        }

        return ideal == 0 ? 0 : dcg / ideal;
    }
}
