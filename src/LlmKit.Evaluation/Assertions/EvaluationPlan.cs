using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Assertions;

/// <summary>
/// An evaluation ready to run: the feature, the dataset, the evaluators and how to run. The terminal methods run it
/// and check the result; each throws <see cref="EvaluationAssertionException"/> unless the check passes, and returns
/// the verdict (with the run) when it does.
/// </summary>
/// <typeparam name="TInput">The feature's input type.</typeparam>
/// <typeparam name="TExpected">The expected answer's type.</typeparam>
/// <typeparam name="TOutput">The feature's output type.</typeparam>
public sealed class EvaluationPlan<TInput, TExpected, TOutput>
{
    private readonly Func<TInput, CancellationToken, Task<TOutput>> _feature;
    private readonly EvaluationDataset<TInput, TExpected> _dataset;
    private readonly List<ICaseEvaluator<TExpected, TOutput>> _evaluators = [];
    private readonly EvaluationRunOptions _options = new();
    private IProgress<EvaluationProgress>? _progress;
    private TimeProvider? _timeProvider;

    internal EvaluationPlan(Func<TInput, CancellationToken, Task<TOutput>> feature, EvaluationDataset<TInput, TExpected> dataset)
    {
        _feature = feature;
        _dataset = dataset;
    }

    /// <summary>Runs every case <paramref name="repetitions"/> times (clustered by case in every statistic).</summary>
    /// <param name="repetitions">The runs per case, at least 1.</param>
    /// <returns>This plan.</returns>
    public EvaluationPlan<TInput, TExpected, TOutput> Repeat(int repetitions)
    {
        _options.Repetitions = repetitions;
        return this;
    }

    /// <summary>Scores outputs with <paramref name="evaluators"/>; a trial passes when none of their metrics fails.</summary>
    /// <param name="evaluators">The evaluators.</param>
    /// <returns>This plan.</returns>
    public EvaluationPlan<TInput, TExpected, TOutput> ScoredBy(params ICaseEvaluator<TExpected, TOutput>[] evaluators)
    {
        ArgumentNullException.ThrowIfNull(evaluators);
        _evaluators.AddRange(evaluators);
        return this;
    }

    /// <summary>Stops starting trials once the run's spend reaches <paramref name="cap"/> US dollars.</summary>
    /// <param name="cap">The cap.</param>
    /// <param name="meter">The meter registered as a usage sink of the feature's LlmKit pipeline.</param>
    /// <returns>This plan.</returns>
    public EvaluationPlan<TInput, TExpected, TOutput> WithCostCap(decimal cap, EvaluationCostMeter meter)
    {
        _options.CostCap = cap;
        _options.CostMeter = meter ?? throw new ArgumentNullException(nameof(meter));
        return this;
    }

    /// <summary>Sets any run option (concurrency, checkpoint, timeout, seed, name).</summary>
    /// <param name="configure">Adjusts the options.</param>
    /// <returns>This plan.</returns>
    public EvaluationPlan<TInput, TExpected, TOutput> Configure(Action<EvaluationRunOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_options);
        return this;
    }

    /// <summary>Reports progress after each trial (for example to a <see cref="ConsoleEvaluationProgress"/>).</summary>
    /// <param name="progress">The receiver.</param>
    /// <returns>This plan.</returns>
    public EvaluationPlan<TInput, TExpected, TOutput> WithProgress(IProgress<EvaluationProgress> progress)
    {
        _progress = progress;
        return this;
    }

    /// <summary>Measures latencies on <paramref name="timeProvider"/>.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This plan.</returns>
    public EvaluationPlan<TInput, TExpected, TOutput> WithTimeProvider(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        return this;
    }

    /// <summary>Runs the evaluation without checking anything.</summary>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The result.</returns>
    public Task<EvaluationRunResult> RunAsync(CancellationToken cancellationToken = default) =>
        EvaluationRunner.RunAsync(_feature, _dataset, _evaluators, _options, _progress, _timeProvider, cancellationToken);

    /// <summary>
    /// Asserts that the pass rate is at least <paramref name="bar"/>: fails only when the data show it is below at
    /// this confidence, and says "inconclusive — run more" (also an assertion failure) when they cannot tell.
    /// </summary>
    /// <param name="bar">The rate required.</param>
    /// <param name="confidence">The one-sided confidence.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The verdict, when it passed.</returns>
    public async Task<PassRateVerdict> PassRateAtLeast(double bar, double confidence = 0.95, CancellationToken cancellationToken = default)
    {
        var verdict = (await RunAsync(cancellationToken)).PassRateAtLeast(bar, confidence);
        verdict.ThrowIfNotPassed();
        return verdict;
    }

    /// <summary>
    /// Asserts the pass rate is above <paramref name="bar"/> with a sequential test: cases are drawn at random and
    /// the run stops as soon as the answer is clear, usually far sooner than a fixed-size run.
    /// </summary>
    /// <param name="bar">The rate required.</param>
    /// <param name="indifference">How close to the bar a rate may be called "near the bar" (inconclusive).</param>
    /// <param name="confidence">1 − the error rate at the bar.</param>
    /// <param name="power">The probability of a correct call for a rate <paramref name="indifference"/> from the bar.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The run (with its <see cref="EvaluationRunResult.Sequential"/> summary), when the rate was shown above the bar.</returns>
    public async Task<EvaluationRunResult> PassRateAboveSequentially(double bar, double indifference = 0.05, double confidence = 0.95, double power = 0.8, CancellationToken cancellationToken = default)
    {
        var test = new SequentialPassRateTest(bar, indifference, confidence, power);
        var run = await EvaluationRunner.RunSequentialAsync(_feature, _dataset, test, _evaluators, _options, _progress, _timeProvider, cancellationToken);
        var estimate = run.PassRate(2 * confidence - 1);
        var summary = run.Sequential!;
        string numbers = FormattableString.Invariant(
            $"{summary.Trials} trials (a fixed-size test needs {summary.FixedSampleTrials}; saved {summary.Saving:P0}), observed pass rate {estimate.Interval.Estimate:0.###}");
        var (outcome, text) = summary.Decision switch
        {
            SequentialDecision.Above => (EvaluationOutcome.Passed, FormattableString.Invariant($"Passed: the pass rate is above {bar:0.###} (sequential test, {confidence:0.#%} confidence) after {numbers}.")),
            SequentialDecision.Below => (EvaluationOutcome.Failed, FormattableString.Invariant($"Failed: the pass rate is below {bar:0.###} (sequential test, {confidence:0.#%} confidence) after {numbers}.")),
            SequentialDecision.NearTheBar => (EvaluationOutcome.Inconclusive, FormattableString.Invariant($"Inconclusive — the pass rate is within {indifference:0.###} of {bar:0.###}: neither clearly above nor below after {numbers}. Narrow the indifference zone to decide.")),
            _ => (EvaluationOutcome.Inconclusive, FormattableString.Invariant($"Inconclusive — run more: no decision after {numbers} ({run.StopReason}).")),
        };
        var verdict = new PassRateVerdict(outcome, text, run, bar, confidence, estimate);
        verdict.ThrowIfNotPassed();
        return run;
    }

    /// <summary>Asserts that a continuous metric's mean is at least <paramref name="bar"/> (cluster bootstrap bounds).</summary>
    /// <param name="metric">The metric, for example <c>field_f1</c>.</param>
    /// <param name="bar">The mean required.</param>
    /// <param name="confidence">The one-sided confidence.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The verdict, when it passed.</returns>
    public async Task<MetricVerdict> MetricAtLeast(string metric, double bar, double confidence = 0.95, CancellationToken cancellationToken = default)
    {
        var verdict = (await RunAsync(cancellationToken)).MetricAtLeast(metric, bar, confidence);
        verdict.ThrowIfNotPassed();
        return verdict;
    }

    /// <summary>
    /// The regression gate: asserts the run is no worse than the checked-in baseline by more than
    /// <paramref name="margin"/> (paired over unchanged cases). Set <c>LLMKIT_UPDATE_BASELINES=1</c> to re-record.
    /// </summary>
    /// <param name="baselinePath">The baseline file.</param>
    /// <param name="margin">The drop tolerated, above 0.</param>
    /// <param name="metric">The metric; the pass rate by default.</param>
    /// <param name="confidence">The one-sided confidence.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The verdict, when it passed.</returns>
    public async Task<RegressionVerdict> NoWorseThan(string baselinePath, double margin, string metric = EvaluationRunResult.PassMetric, double confidence = 0.95, CancellationToken cancellationToken = default)
    {
        var verdict = (await RunAsync(cancellationToken)).NoWorseThan(baselinePath, margin, metric, confidence);
        verdict.ThrowIfNotPassed();
        return verdict;
    }
}
