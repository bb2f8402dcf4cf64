using System.Globalization;
using LlmKit.Evaluation.Baselines;
using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Assertions;

/// <summary>
/// The checks behind the assertions, on a finished run: each returns a verdict (passed, failed or inconclusive)
/// instead of throwing, for code that wants to report rather than fail. Every decision is one-sided at the stated
/// confidence: "at least 0.9 with 95% confidence" means the one-sided 95% lower bound is at or above 0.9.
/// </summary>
public static class EvaluationChecks
{
    /// <summary>Checks that the pass rate is at least <paramref name="bar"/>.</summary>
    /// <param name="run">The run.</param>
    /// <param name="bar">The rate required.</param>
    /// <param name="confidence">The one-sided confidence.</param>
    /// <returns>Passed when the lower bound reaches the bar, failed when the upper bound is below it, else inconclusive.</returns>
    public static PassRateVerdict PassRateAtLeast(this EvaluationRunResult run, double bar, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(run);
        CheckBar(bar);
        CheckConfidence(confidence);
        var estimate = run.PassRate(2 * confidence - 1);
        var interval = estimate.Interval;
        var c = CultureInfo.InvariantCulture;
        string numbers = string.Create(c,
            $"pass rate {interval.Estimate:0.###} over {estimate.Trials} trials of {estimate.Cases} cases; one-sided {confidence:0.#%} bounds [{interval.Lower:0.###}, {interval.Upper:0.###}] (worth {estimate.EffectiveTrials:0} independent trials)");
        if (interval.Lower >= bar)
        {
            return new PassRateVerdict(EvaluationOutcome.Passed, string.Create(c, $"Passed: the pass rate is at least {bar:0.###} with {confidence:0.#%} confidence: {numbers}."), run, bar, confidence, estimate);
        }

        if (interval.Upper < bar)
        {
            return new PassRateVerdict(EvaluationOutcome.Failed, string.Create(c, $"Failed: the pass rate is below {bar:0.###} with {confidence:0.#%} confidence: {numbers}.{Failures(run)}"), run, bar, confidence, estimate);
        }

        string advice;
        if (interval.Estimate > bar)
        {
            // A perfect record cannot be planned for (a rate of 1 needs no test); plan for halfway between bar and 1.
            double expected = interval.Estimate < 1 ? interval.Estimate : (1 + bar) / 2;
            int repetitions = Math.Max(1, run.Repetitions);
            double icc = repetitions > 1 && estimate.DesignEffect is > 0 and < double.PositiveInfinity ? Math.Clamp((estimate.DesignEffect - 1) / (repetitions - 1), 0, 1) : 0.3;
            var plan = SampleSizePlanner.ForPassRate(expected, bar, repetitions, icc, confidence);
            advice = string.Create(c, $" If the rate really is {expected:0.###}, about {plan} would show it (80% power).");
        }
        else
        {
            advice = " The estimate is at or below the bar; more cases would likely show a failure.";
        }

        return new PassRateVerdict(
            EvaluationOutcome.Inconclusive,
            string.Create(c, $"Inconclusive — run more: the data cannot tell whether the pass rate reaches {bar:0.###} at {confidence:0.#%} confidence: {numbers}.{advice}"),
            run, bar, confidence, estimate);
    }

    /// <summary>Checks that a continuous metric's mean is at least <paramref name="bar"/> (cluster bootstrap bounds).</summary>
    /// <param name="run">The run.</param>
    /// <param name="metric">The metric.</param>
    /// <param name="bar">The mean required.</param>
    /// <param name="confidence">The one-sided confidence.</param>
    /// <returns>The verdict.</returns>
    public static MetricVerdict MetricAtLeast(this EvaluationRunResult run, string metric, double bar, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(metric);
        CheckConfidence(confidence);
        var interval = run.Metric(metric, 2 * confidence - 1)
            ?? throw new InvalidOperationException($"No trial of run '{run.Name}' measured '{metric}'. Metrics measured: {string.Join(", ", run.MetricNames)}.");
        var c = CultureInfo.InvariantCulture;
        string numbers = string.Create(c, $"mean {metric} {interval.Estimate:0.###}, one-sided {confidence:0.#%} bounds [{interval.Lower:0.###}, {interval.Upper:0.###}] (cluster bootstrap over cases)");
        var (outcome, text) = interval.Lower >= bar ? (EvaluationOutcome.Passed, string.Create(c, $"Passed: {metric} is at least {bar:0.###} with {confidence:0.#%} confidence: {numbers}."))
            : interval.Upper < bar ? (EvaluationOutcome.Failed, string.Create(c, $"Failed: {metric} is below {bar:0.###} with {confidence:0.#%} confidence: {numbers}."))
            : (EvaluationOutcome.Inconclusive, string.Create(c, $"Inconclusive — run more: the data cannot tell whether {metric} reaches {bar:0.###} at {confidence:0.#%} confidence: {numbers}."));
        return new MetricVerdict(outcome, text, run, metric, bar, confidence, interval);
    }

    /// <summary>
    /// The regression gate: compares the run with the baseline file on the cases both have unchanged. Passed when the
    /// candidate is shown no worse than the baseline by more than <paramref name="margin"/>, failed when it is shown
    /// worse by more than the margin (a regression), inconclusive otherwise. When the file is missing the check fails
    /// and writes the run beside it as <c>*.received.json</c>; with <c>LLMKIT_UPDATE_BASELINES=1</c> it records the run
    /// as the new baseline and passes.
    /// </summary>
    /// <param name="run">The candidate run.</param>
    /// <param name="baselinePath">The baseline file, checked into the repository.</param>
    /// <param name="margin">The drop tolerated, in the metric's units (0.05 = five points of pass rate); above 0.</param>
    /// <param name="metric">The metric; the pass rate by default.</param>
    /// <param name="confidence">The one-sided confidence: at no change the gate fails at most 1 − confidence of the time.</param>
    /// <param name="updateBaseline">Whether to record the run as the baseline instead; <see langword="null"/> reads <c>LLMKIT_UPDATE_BASELINES</c>.</param>
    /// <returns>The verdict.</returns>
    public static RegressionVerdict NoWorseThan(this EvaluationRunResult run, string baselinePath, double margin, string metric = EvaluationRunResult.PassMetric, double confidence = 0.95, bool? updateBaseline = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentException.ThrowIfNullOrEmpty(baselinePath);
        CheckConfidence(confidence);
        if (!(margin > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "The margin must be above 0: with none, only an improvement could ever be shown 'no worse'.");
        }

        var c = CultureInfo.InvariantCulture;
        if (updateBaseline ?? EvaluationBaseline.UpdateRequested)
        {
            EvaluationBaseline.FromRun(run).Save(baselinePath);
            return new RegressionVerdict(EvaluationOutcome.Passed, $"Baseline recorded: {baselinePath} ({EvaluationBaseline.UpdateEnvironmentVariable} is set). Review and commit it.", run, baselinePath, null, true);
        }

        if (!File.Exists(baselinePath))
        {
            string received = Path.ChangeExtension(baselinePath, ".received.json");
            EvaluationBaseline.FromRun(run).Save(received);
            return new RegressionVerdict(EvaluationOutcome.Failed,
                $"Failed: baseline '{baselinePath}' does not exist. This run was written to '{received}'; set {EvaluationBaseline.UpdateEnvironmentVariable}=1 and run again to record it, then commit it.",
                run, baselinePath, null, false);
        }

        var comparison = BaselineComparison.Compare(EvaluationBaseline.Load(baselinePath), run, metric, margin, confidence);
        string skipped = comparison.UnpairedCases.Count == 0 ? string.Empty : $" {comparison.UnpairedCases.Count} case(s) not compared: {string.Join(", ", comparison.UnpairedCases.Take(5))}{(comparison.UnpairedCases.Count > 5 ? ", …" : string.Empty)}.";
        if (comparison.Result is not { } result)
        {
            return new RegressionVerdict(EvaluationOutcome.Inconclusive, $"Inconclusive — run more: no case of the run could be paired with the baseline.{skipped}", run, baselinePath, comparison, false);
        }

        string name = metric == EvaluationRunResult.PassMetric ? "pass rate" : metric;
        string numbers = string.Create(c,
            $"{name} change {result.Difference.Estimate:+0.###;-0.###;0} [{result.Difference.Lower:+0.###;-0.###;0}, {result.Difference.Upper:+0.###;-0.###;0}] over {result.Cases} paired cases, margin {margin:0.###} ({result.Method})");
        var (outcome, text) = result.Verdict switch
        {
            ComparisonVerdict.Worse => (EvaluationOutcome.Failed, string.Create(c, $"Failed: regression — the {name} dropped by more than {margin:0.###} versus the baseline with {confidence:0.#%} confidence (p = {result.PValueWorse:0.####}): {numbers}.")),
            ComparisonVerdict.NoWorse => (EvaluationOutcome.Passed, string.Create(c, $"Passed: no worse than the baseline by more than {margin:0.###} with {confidence:0.#%} confidence: {numbers}.")),
            _ => (EvaluationOutcome.Inconclusive, string.Create(c, $"Inconclusive — run more: the data cannot tell whether the {name} dropped by more than {margin:0.###}: {numbers}.")),
        };
        return new RegressionVerdict(outcome, text + skipped, run, baselinePath, comparison, false);
    }

    private static string Failures(EvaluationRunResult run)
    {
        var failing = run.Trials.Where(t => !t.Passed).GroupBy(t => t.CaseId).Take(3)
            .Select(g => $"{g.Key} ({g.Count()} of {run.Trials.Count(t => t.CaseId == g.Key)}: {g.First().Error ?? g.First().Scores.FirstOrDefault(s => s.Passed == false)?.Reason ?? "failed"})");
        string list = string.Join("; ", failing);
        return list.Length == 0 ? string.Empty : $" Failing cases include {list}";
    }

    private static void CheckBar(double bar)
    {
        if (bar is < 0 or > 1 || double.IsNaN(bar))
        {
            throw new ArgumentOutOfRangeException(nameof(bar), bar, "A pass-rate bar must be between 0 and 1.");
        }
    }

    private static void CheckConfidence(double confidence)
    {
        if (confidence is <= 0.5 or >= 1 || double.IsNaN(confidence))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence must be above 0.5 and below 1, for example 0.95.");
        }
    }
}
