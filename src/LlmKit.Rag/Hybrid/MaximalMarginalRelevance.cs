using System.Numerics.Tensors;

namespace LlmKit.Rag.Hybrid;

/// <summary>
/// Maximal marginal relevance over fused candidates: each step picks the candidate with the best
/// λ · relevance − (1 − λ) · (its highest cosine similarity to those already picked).
/// </summary>
/// <remarks>
/// Relevance is the fused score, min-max normalised over the candidates, not the query-vector similarity: a chunk that
/// BM25 ranked first and the vectors missed must not lose to a vector-only hit just because MMR looked at vectors.
/// Vectors serve only to measure redundancy; a candidate without one is redundant with nothing.
/// </remarks>
internal static class MaximalMarginalRelevance
{
    public static IReadOnlyList<SearchHit> Select(IReadOnlyList<SearchHit> candidates, IReadOnlyDictionary<string, ReadOnlyMemory<float>> vectors, int top, double lambda)
    {
        int n = candidates.Count;
        if (n == 0)
        {
            return [];
        }

        double min = candidates.Min(c => c.Score);
        double max = candidates.Max(c => c.Score);
        var relevance = candidates.Select(c => max > min ? (c.Score - min) / (max - min) : 1.0).ToArray();
        var redundancy = new double[n];
        var taken = new bool[n];
        var chosen = new List<SearchHit>(Math.Min(top, n));
        while (chosen.Count < Math.Min(top, n))
        {
            int best = -1;
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                double score = (lambda * relevance[i]) - ((1 - lambda) * redundancy[i]);
                if (!taken[i] && score > bestScore)
                {
                    (best, bestScore) = (i, score);
                }
            }

            taken[best] = true;
            chosen.Add(candidates[best]);
            if (!vectors.TryGetValue(candidates[best].Id, out var picked))
            {
                continue;
            }

            for (int i = 0; i < n; i++)
            {
                if (!taken[i] && vectors.TryGetValue(candidates[i].Id, out var other) && other.Length == picked.Length)
                {
                    double similarity = TensorPrimitives.CosineSimilarity(picked.Span, other.Span);
                    if (!double.IsNaN(similarity))
                    {
                        redundancy[i] = Math.Max(redundancy[i], similarity);
                    }
                }
            }
        }

        return chosen;
    }
}
