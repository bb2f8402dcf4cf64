using System.Text.Json;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Runs;

namespace LlmKit.Evaluation.Baselines;

/// <summary>One case of a baseline: its content hash (so a changed case is not paired) and its per-trial values.</summary>
/// <param name="Id">The case's id.</param>
/// <param name="Hash">The case's content hash when the baseline was recorded.</param>
/// <param name="Tags">The case's tags.</param>
/// <param name="Pass">1/0 per trial.</param>
/// <param name="Metrics">Each metric's values per trial (trials that did not measure it left out).</param>
public sealed record BaselineCase(string Id, string Hash, IReadOnlyList<string> Tags, IReadOnlyList<double> Pass, IReadOnlyDictionary<string, IReadOnlyList<double>> Metrics);

/// <summary>
/// A recorded run to compare later runs with: a small JSON file checked into the repository next to the tests, with
/// each case's per-trial outcomes (what a paired test needs) and nothing else. Regression gates
/// (<c>NoWorseThan</c>) read it; setting <c>LLMKIT_UPDATE_BASELINES=1</c> re-records it from the current run, and
/// the change shows up in code review like any other.
/// </summary>
public sealed record EvaluationBaseline
{
    /// <summary>The file format: <c>llmkit-evaluation-baseline/v1</c>.</summary>
    public const string FormatName = "llmkit-evaluation-baseline/v1";

    /// <summary>The environment variable that re-records baselines instead of comparing with them: <c>LLMKIT_UPDATE_BASELINES</c>.</summary>
    public const string UpdateEnvironmentVariable = "LLMKIT_UPDATE_BASELINES";

    private static readonly JsonSerializerOptions FileOptions = new(DatasetJson.DefaultOptions) { WriteIndented = true };

    /// <summary>Gets the file format.</summary>
    public string Format { get; init; } = FormatName;

    /// <summary>Gets the name of the run the baseline was recorded from.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the dataset's name.</summary>
    public required string Dataset { get; init; }

    /// <summary>Gets the dataset's content hash when the baseline was recorded.</summary>
    public required string DatasetHash { get; init; }

    /// <summary>Gets the repetitions per case.</summary>
    public required int Repetitions { get; init; }

    /// <summary>Gets when the baseline was recorded.</summary>
    public DateTimeOffset RecordedAt { get; init; }

    /// <summary>Gets the cases.</summary>
    public required IReadOnlyList<BaselineCase> Cases { get; init; }

    /// <summary>Gets whether <see cref="UpdateEnvironmentVariable"/> asks for baselines to be re-recorded.</summary>
    public static bool UpdateRequested => Environment.GetEnvironmentVariable(UpdateEnvironmentVariable) is "1" or "true" or "True";

    /// <summary>Makes a baseline from a run.</summary>
    /// <param name="run">The run.</param>
    /// <returns>The baseline.</returns>
    public static EvaluationBaseline FromRun(EvaluationRunResult run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var metrics = run.MetricNames;
        var byMetric = metrics.ToDictionary(m => m, run.ValuesByCase, StringComparer.Ordinal);
        var pass = run.ValuesByCase(EvaluationRunResult.PassMetric);
        var cases = run.Cases.Where(c => pass.ContainsKey(c.Id)).Select(c => new BaselineCase(
            c.Id,
            c.ContentHash,
            c.Tags,
            pass[c.Id],
            metrics.Where(m => byMetric[m].ContainsKey(c.Id)).ToDictionary(m => m, m => (IReadOnlyList<double>)byMetric[m][c.Id].Select(Round).ToArray(), StringComparer.Ordinal)))
            .ToArray();
        return new EvaluationBaseline
        {
            Name = run.Name,
            Dataset = run.DatasetName,
            DatasetHash = run.DatasetHash,
            Repetitions = run.Repetitions,
            RecordedAt = run.StartedAt,
            Cases = cases,
        };
    }

    /// <summary>Reads a baseline file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The baseline.</returns>
    /// <exception cref="FormatException">The file is not a baseline of this format.</exception>
    public static EvaluationBaseline Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EvaluationBaseline? baseline;
        try
        {
            baseline = JsonSerializer.Deserialize<EvaluationBaseline>(File.ReadAllText(path), DatasetJson.DefaultOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"{path} is not a readable evaluation baseline: {ex.Message}", ex);
        }

        return baseline is { Format: FormatName }
            ? baseline
            : throw new FormatException($"{path} is not an evaluation baseline ({FormatName}).");
    }

    /// <summary>Writes the baseline (indented JSON, stable order) to <paramref name="path"/>, creating its folder.</summary>
    /// <param name="path">The file.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, JsonSerializer.Serialize(this, FileOptions) + "\n");
    }

    /// <summary>Each case's values of a metric (or <see cref="EvaluationRunResult.PassMetric"/>), keyed by case id.</summary>
    /// <param name="metric">The metric.</param>
    /// <returns>The values per case that has any.</returns>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> ValuesByCase(string metric) =>
        Cases.Select(c => (c.Id, Values: metric == EvaluationRunResult.PassMetric ? c.Pass : c.Metrics.GetValueOrDefault(metric)))
            .Where(p => p.Values is { Count: > 0 })
            .ToDictionary(p => p.Id, p => p.Values!, StringComparer.Ordinal);

    // Six decimals keep the file readable and its diffs free of floating-point noise.
    private static double Round(double value) => Math.Round(value, 6);
}
