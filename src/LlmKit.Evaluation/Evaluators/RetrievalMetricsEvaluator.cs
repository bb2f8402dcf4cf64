using LlmKit.Rag.Evaluation;

namespace LlmKit.Evaluation.Evaluators;

/// <summary>
/// Ranking quality of a retriever against graded relevance judgements (document id → grade, 0 = not relevant):
/// <c>recall@k</c>, <c>mrr</c> and <c>ndcg@k</c>, computed by LlmKit.Rag's <see cref="RetrievalMetrics"/> (the
/// trec_eval definitions). A trial passes when recall@k reaches <paramref name="passRecall"/>, if one is set.
/// </summary>
/// <param name="k">The cut-off.</param>
/// <param name="passRecall">The recall@k at or above which a trial passes; <see langword="null"/> for informative metrics only.</param>
public sealed class RetrievalMetricsEvaluator(int k = 10, double? passRecall = null) : ICaseEvaluator<IReadOnlyDictionary<string, int>, IReadOnlyList<string>>
{
    private readonly int _k = k >= 1 ? k : throw new ArgumentOutOfRangeException(nameof(k), k, "The cut-off must be at least 1.");

    /// <inheritdoc />
    public IReadOnlyList<string> MetricNames => [$"recall@{_k}", "mrr", $"ndcg@{_k}"];

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<IReadOnlyDictionary<string, int>> context, IReadOnlyList<string> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        var relevant = context.Expected ?? throw new InvalidOperationException($"Case '{context.CaseId}' has no relevance judgements.");
        double recall = RetrievalMetrics.RecallAtK(output, relevant, _k);
        IReadOnlyList<MetricScore> scores =
        [
            new($"recall@{_k}", recall, passRecall is { } bar ? recall >= bar : null),
            new("mrr", RetrievalMetrics.ReciprocalRank(output, relevant)),
            new($"ndcg@{_k}", RetrievalMetrics.NdcgAtK(output, relevant, _k)),
        ];
        return ValueTask.FromResult(scores);
    }
}
