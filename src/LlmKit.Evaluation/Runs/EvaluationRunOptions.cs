using System.Text.Json;

namespace LlmKit.Evaluation.Runs;

/// <summary>How an evaluation run schedules, limits and records its trials.</summary>
public sealed class EvaluationRunOptions
{
    /// <summary>Gets or sets the run's name, shown in reports and kept in baselines.</summary>
    /// <value>The default value is <see langword="null"/>: the dataset's name.</value>
    public string? Name { get; set; }

    /// <summary>Gets or sets how many times each case runs.</summary>
    /// <value>The default value is 1.</value>
    /// <remarks>Repetitions measure a feature's randomness; they are clustered by case in every statistic, so they never stand in for more cases.</remarks>
    public int Repetitions { get; set; } = 1;

    /// <summary>Gets or sets how many trials run at once.</summary>
    /// <value>The default value is 4.</value>
    /// <remarks>
    /// Different cases run in parallel; the repetitions of one case run one after another, so identical requests reach
    /// the model (and a <c>ReplayChatClient</c>) in repetition order and a recorded run replays exactly.
    /// </remarks>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Gets or sets the most the run may spend, in US dollars, as priced by the usage ledger.</summary>
    /// <value>The default value is <see langword="null"/>: no cap.</value>
    /// <remarks>
    /// Needs <see cref="CostMeter"/>. No trial starts once the spend reaches the cap; trials already running finish,
    /// so the overshoot is at most what <see cref="MaxConcurrency"/> trials cost. The result says the cap stopped it.
    /// </remarks>
    public decimal? CostCap { get; set; }

    /// <summary>Gets or sets the meter that charges model calls to trials (registered as a usage sink of the ledger).</summary>
    /// <value>The default value is <see langword="null"/>: costs are not tracked.</value>
    public EvaluationCostMeter? CostMeter { get; set; }

    /// <summary>Gets or sets a file that records each finished trial, so an interrupted run resumes where it stopped.</summary>
    /// <value>The default value is <see langword="null"/>: no checkpoint.</value>
    /// <remarks>
    /// JSON Lines, appended and flushed after every trial. A run started with the same file, dataset version and
    /// repetitions skips the trials it holds; a file from another dataset version is refused, not mixed in.
    /// </remarks>
    public string? CheckpointPath { get; set; }

    /// <summary>Gets or sets the longest one trial (feature call plus evaluation) may take.</summary>
    /// <value>The default value is <see langword="null"/>: no limit beyond the run's cancellation token.</value>
    /// <remarks>A trial that times out counts as an error (a failure), not as a cancelled run.</remarks>
    public TimeSpan? TrialTimeout { get; set; }

    /// <summary>Gets or sets the seed of every random choice the run makes (sequential draws, bootstrap resamples).</summary>
    /// <value>The default value is <see cref="Statistics.StatisticsConstants.DefaultSeed"/>.</value>
    public int Seed { get; set; } = Statistics.StatisticsConstants.DefaultSeed;

    /// <summary>Gets or sets how outputs are serialized into the results; the dataset's options when omitted.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public JsonSerializerOptions? OutputSerializerOptions { get; set; }

    internal void Validate()
    {
        if (Repetitions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Repetitions), Repetitions, "EvaluationRunOptions.Repetitions must be at least 1.");
        }

        if (MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "EvaluationRunOptions.MaxConcurrency must be at least 1.");
        }

        if (CostCap is { } cap && cap <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CostCap), cap, "EvaluationRunOptions.CostCap must be positive.");
        }

        if (CostCap is not null && CostMeter is null)
        {
            throw new InvalidOperationException(
                "EvaluationRunOptions.CostCap needs EvaluationRunOptions.CostMeter: create an EvaluationCostMeter, register it with the usage ledger (AddUsageSink(meter)) and set it here.");
        }

        if (TrialTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TrialTimeout), timeout, "EvaluationRunOptions.TrialTimeout must be positive.");
        }
    }
}
