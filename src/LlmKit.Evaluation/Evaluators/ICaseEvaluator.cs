namespace LlmKit.Evaluation.Evaluators;

/// <summary>
/// Scores one output of the feature under evaluation against its case. Deterministic evaluators (exact match, field
/// F1, schema validity, tool trajectories, retrieval metrics) and the LLM judge implement it; so does the adapter that
/// runs a <c>Microsoft.Extensions.AI.Evaluation</c> <c>IEvaluator</c>.
/// </summary>
/// <typeparam name="TExpected">
/// The expected answer's type; contravariant, so an evaluator of <see cref="object"/> (one that ignores the expected
/// answer, like schema validity) serves any dataset of reference types.
/// </typeparam>
/// <typeparam name="TOutput">The feature's output type.</typeparam>
public interface ICaseEvaluator<in TExpected, in TOutput>
{
    /// <summary>Gets the names of the metrics this evaluator reports (fixed ones; per-field metrics may add more).</summary>
    IReadOnlyList<string> MetricNames { get; }

    /// <summary>Scores <paramref name="output"/>.</summary>
    /// <param name="context">The case and repetition.</param>
    /// <param name="output">What the feature returned.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    /// <returns>The scores.</returns>
    ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<TExpected> context, TOutput output, CancellationToken cancellationToken);
}
