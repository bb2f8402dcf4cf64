namespace LlmKit.Evaluation.Statistics;

/// <summary>What a paired comparison of a candidate with a baseline shows, at the stated confidence.</summary>
public enum ComparisonVerdict
{
    /// <summary>The data cannot tell: the candidate may or may not be worse by more than the margin. Run more cases.</summary>
    Inconclusive,

    /// <summary>The candidate is shown to be no worse than the baseline by more than the margin (non-inferiority).</summary>
    NoWorse,

    /// <summary>The candidate is shown to be worse than the baseline by more than the margin: a regression.</summary>
    Worse,
}
