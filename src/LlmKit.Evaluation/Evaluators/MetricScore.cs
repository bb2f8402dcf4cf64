namespace LlmKit.Evaluation.Evaluators;

/// <summary>One metric an evaluator measured on one trial.</summary>
/// <param name="Name">The metric's name, for example <c>field_f1</c>; reports and baselines group by it.</param>
/// <param name="Value">The value, usually in [0, 1]; <see cref="double.NaN"/> when it could not be measured (left out of statistics).</param>
/// <param name="Passed">Whether the trial passes on this metric; <see langword="null"/> for a metric that only informs.</param>
/// <param name="Reason">Why, in words a person can act on (the fields that differ, the judge's reasons).</param>
public sealed record MetricScore(string Name, double Value, bool? Passed = null, string? Reason = null)
{
    /// <summary>A pass/fail metric: 1 when passed, 0 when not.</summary>
    /// <param name="name">The metric's name.</param>
    /// <param name="passed">Whether the trial passed.</param>
    /// <param name="reason">Why.</param>
    /// <returns>The score.</returns>
    public static MetricScore PassFail(string name, bool passed, string? reason = null) => new(name, passed ? 1 : 0, passed, reason);
}
