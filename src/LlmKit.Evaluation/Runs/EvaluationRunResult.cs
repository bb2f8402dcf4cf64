using System.Text.Json;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Runs;

/// <summary>
/// Everything an evaluation run produced: the cases, every trial, how it stopped and what it cost; and the statistics
/// over them (pass rates with clustered intervals, metrics with bootstrap intervals), computed on demand.
/// </summary>
public sealed record EvaluationRunResult
{
    /// <summary>Gets the run's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the dataset's name.</summary>
    public required string DatasetName { get; init; }

    /// <summary>Gets the dataset's content hash.</summary>
    public required string DatasetHash { get; init; }

    /// <summary>Gets the planned repetitions per case.</summary>
    public required int Repetitions { get; init; }

    /// <summary>Gets the dataset's cases, in order.</summary>
    public required IReadOnlyList<CaseInfo> Cases { get; init; }

    /// <summary>Gets the trials, ordered by case then repetition.</summary>
    public required IReadOnlyList<TrialResult> Trials { get; init; }

    /// <summary>Gets why the run stopped.</summary>
    public EvaluationStopReason StopReason { get; init; }

    /// <summary>Gets the sequential test's outcome, for a sequential run.</summary>
    public SequentialSummary? Sequential { get; init; }

    /// <summary>Gets the run's spend in US dollars, or <see langword="null"/> when costs were not tracked.</summary>
    public decimal? Spend { get; init; }

    /// <summary>Gets when the run started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets how long the run took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the seed of the run's random choices, reused by the bootstrap intervals.</summary>
    public int Seed { get; init; } = StatisticsConstants.DefaultSeed;

    /// <summary>Gets the names of the metrics the trials reported, in first-seen order.</summary>
    public IReadOnlyList<string> MetricNames => Trials.SelectMany(t => t.Scores).Select(s => s.Name).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The pass rate over all trials with its clustered interval (repetitions of a case are not independent).</summary>
    /// <param name="confidence">The two-sided confidence level.</param>
    /// <returns>The estimate.</returns>
    public ClusteredProportionEstimate PassRate(double confidence = 0.95) => PassRateOf(Trials, confidence);

    /// <summary>The pass rate of the cases carrying each tag (a case with several tags counts in each).</summary>
    /// <param name="confidence">The two-sided confidence level.</param>
    /// <returns>The estimate per tag, in ordinal order of tags.</returns>
    public IReadOnlyDictionary<string, ClusteredProportionEstimate> PassRateByTag(double confidence = 0.95)
    {
        var result = new SortedDictionary<string, ClusteredProportionEstimate>(StringComparer.Ordinal);
        foreach (string tag in Cases.SelectMany(c => c.Tags).Distinct(StringComparer.Ordinal))
        {
            var ids = Cases.Where(c => c.Tags.Contains(tag, StringComparer.Ordinal)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            var trials = Trials.Where(t => ids.Contains(t.CaseId)).ToArray();
            if (trials.Length > 0)
            {
                result[tag] = PassRateOf(trials, confidence);
            }
        }

        return result;
    }

    /// <summary>
    /// The mean of a metric over the trials that measured it, with a cluster bootstrap interval (cases resampled with
    /// their repetitions); <see langword="null"/> when no trial measured it.
    /// </summary>
    /// <param name="metric">The metric's name.</param>
    /// <param name="confidence">The two-sided confidence level.</param>
    /// <returns>The interval.</returns>
    public Interval? Metric(string metric, double confidence = 0.95)
    {
        var values = ValuesByCase(metric).Values.Where(v => v.Count > 0).ToArray();
        return values.Length == 0 ? null : Bootstrap.Mean(values, confidence, seed: Seed);
    }

    /// <summary>
    /// Each case's values of a metric (or, for <see cref="PassMetric"/>, 1/0 per trial), keyed by case id: what a
    /// paired comparison pairs. Trials that did not measure the metric are left out; a feature error counts as 0 for
    /// <see cref="PassMetric"/> and is left out of other metrics.
    /// </summary>
    /// <param name="metric">The metric's name, or <see cref="PassMetric"/>.</param>
    /// <returns>The values per case.</returns>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> ValuesByCase(string metric)
    {
        ArgumentException.ThrowIfNullOrEmpty(metric);
        var result = new Dictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        foreach (var group in Trials.GroupBy(t => t.CaseId, StringComparer.Ordinal))
        {
            var values = metric == PassMetric
                ? group.Select(t => t.Passed ? 1.0 : 0.0).ToArray()
                : group.Select(t => t.ValueOf(metric)).Where(v => v is not null).Select(v => v!.Value).ToArray();
            if (values.Length > 0)
            {
                result[group.Key] = values;
            }
        }

        return result;
    }

    /// <summary>The name under which <see cref="ValuesByCase"/> and comparisons treat the pass/fail outcome: <c>pass</c>.</summary>
    public const string PassMetric = "pass";

    /// <summary>Writes the result as JSON (indented), for archiving and for comparing replays.</summary>
    /// <param name="path">The file.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllText(path, JsonSerializer.Serialize(this, IndentedOptions));
    }

    /// <summary>Reads a result written by <see cref="Save"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The result.</returns>
    public static EvaluationRunResult Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return JsonSerializer.Deserialize<EvaluationRunResult>(File.ReadAllText(path), DatasetJson.DefaultOptions)
            ?? throw new FormatException($"{path} holds no evaluation result.");
    }

    private static readonly JsonSerializerOptions IndentedOptions = new(DatasetJson.DefaultOptions) { WriteIndented = true };

    private static ClusteredProportionEstimate PassRateOf(IReadOnlyList<TrialResult> trials, double confidence)
    {
        if (trials.Count == 0)
        {
            throw new InvalidOperationException("The run has no trials: nothing to estimate a pass rate from.");
        }

        var groups = trials.GroupBy(t => t.CaseId, StringComparer.Ordinal).ToArray();
        return ClusteredProportion.Estimate(groups.Select(g => g.Count(t => t.Passed)).ToArray(), groups.Select(g => g.Count()).ToArray(), confidence);
    }
}
