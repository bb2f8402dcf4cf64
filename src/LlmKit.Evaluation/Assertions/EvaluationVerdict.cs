using LlmKit.Evaluation.Baselines;
using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Assertions;

/// <summary>The conclusion of an evaluation check, with the numbers behind it and the run it came from.</summary>
/// <param name="Outcome">Passed, failed or inconclusive.</param>
/// <param name="Message">The conclusion in a sentence a pull-request reviewer can act on.</param>
/// <param name="Run">The run the check looked at.</param>
public abstract record EvaluationVerdict(EvaluationOutcome Outcome, string Message, EvaluationRunResult Run)
{
    /// <summary>Throws <see cref="EvaluationAssertionException"/> unless the check passed.</summary>
    /// <returns>This verdict, when it passed.</returns>
    public EvaluationVerdict ThrowIfNotPassed() =>
        Outcome == EvaluationOutcome.Passed ? this : throw new EvaluationAssertionException(this);
}

/// <summary>The verdict of a pass-rate check.</summary>
/// <param name="Outcome">Passed, failed or inconclusive.</param>
/// <param name="Message">The conclusion.</param>
/// <param name="Run">The run.</param>
/// <param name="Bar">The rate required.</param>
/// <param name="Confidence">The one-sided confidence.</param>
/// <param name="Estimate">The pass rate with bounds that are one-sided bounds at <paramref name="Confidence"/>.</param>
public sealed record PassRateVerdict(EvaluationOutcome Outcome, string Message, EvaluationRunResult Run, double Bar, double Confidence, ClusteredProportionEstimate Estimate)
    : EvaluationVerdict(Outcome, Message, Run);

/// <summary>The verdict of a check on a continuous metric's mean.</summary>
/// <param name="Outcome">Passed, failed or inconclusive.</param>
/// <param name="Message">The conclusion.</param>
/// <param name="Run">The run.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Bar">The mean required.</param>
/// <param name="Confidence">The one-sided confidence.</param>
/// <param name="Estimate">The mean with bounds that are one-sided bounds at <paramref name="Confidence"/>.</param>
public sealed record MetricVerdict(EvaluationOutcome Outcome, string Message, EvaluationRunResult Run, string Metric, double Bar, double Confidence, Interval Estimate)
    : EvaluationVerdict(Outcome, Message, Run);

/// <summary>The verdict of a regression gate against a baseline.</summary>
/// <param name="Outcome">Passed (no worse), failed (a regression) or inconclusive.</param>
/// <param name="Message">The conclusion.</param>
/// <param name="Run">The candidate run.</param>
/// <param name="BaselinePath">The baseline file.</param>
/// <param name="Comparison">The comparison, or <see langword="null"/> when the baseline was (re)recorded instead.</param>
/// <param name="BaselineWritten">Whether this check wrote the baseline (<c>LLMKIT_UPDATE_BASELINES=1</c>).</param>
public sealed record RegressionVerdict(EvaluationOutcome Outcome, string Message, EvaluationRunResult Run, string BaselinePath, BaselineComparison? Comparison, bool BaselineWritten)
    : EvaluationVerdict(Outcome, Message, Run);
