using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Runs;

/// <summary>How a sequential run ended and what stopping early saved.</summary>
/// <param name="Decision">The sequential test's decision.</param>
/// <param name="Bar">The pass rate decided about.</param>
/// <param name="Indifference">The indifference zone around the bar.</param>
/// <param name="Trials">The trials the decision used.</param>
/// <param name="FixedSampleTrials">The trials a fixed-size test with the same error rates needs.</param>
public sealed record SequentialSummary(SequentialDecision Decision, double Bar, double Indifference, int Trials, int FixedSampleTrials)
{
    /// <summary>Gets the share of the fixed design's trials that were not needed.</summary>
    public double Saving => FixedSampleTrials == 0 ? 0 : 1 - (double)Trials / FixedSampleTrials;
}
