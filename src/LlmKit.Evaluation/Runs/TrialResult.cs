using LlmKit.Evaluation.Evaluators;

namespace LlmKit.Evaluation.Runs;

/// <summary>One run of the feature on one case: what came out, how it scored, how long it took and what it cost.</summary>
public sealed record TrialResult
{
    /// <summary>Gets the case's id.</summary>
    public required string CaseId { get; init; }

    /// <summary>Gets the zero-based repetition of the case.</summary>
    public required int Repetition { get; init; }

    /// <summary>Gets whether the trial passed: no error and no metric that failed.</summary>
    public required bool Passed { get; init; }

    /// <summary>Gets the evaluators' scores (empty when the feature failed).</summary>
    public IReadOnlyList<MetricScore> Scores { get; init; } = [];

    /// <summary>Gets the failure, as "ExceptionType: message", when the feature (or an evaluator) threw.</summary>
    public string? Error { get; init; }

    /// <summary>Gets how long the feature took (evaluation not included).</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Gets what the trial's model calls cost, as the usage ledger priced them; <see langword="null"/> when not tracked.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Gets the output as JSON, for reports and for replays to compare with.</summary>
    public string? Output { get; init; }

    /// <summary>Gets the value of a metric in this trial, or <see langword="null"/> when it was not measured.</summary>
    /// <param name="metric">The metric's name.</param>
    /// <returns>The value.</returns>
    public double? ValueOf(string metric) =>
        Scores.FirstOrDefault(s => s.Name == metric) is { Value: var v } && double.IsFinite(v) ? v : null;
}
