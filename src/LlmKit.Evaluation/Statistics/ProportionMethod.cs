namespace LlmKit.Evaluation.Statistics;

/// <summary>How a confidence interval for a proportion is computed.</summary>
public enum ProportionMethod
{
    /// <summary>
    /// The Wilson score interval: its coverage averages the stated level across rates and sample sizes (it oscillates
    /// around it for a given rate), and it never leaves [0, 1]. The default.
    /// </summary>
    Wilson,

    /// <summary>
    /// The exact Clopper–Pearson interval: coverage is at least the stated level for every rate and sample size, at the
    /// price of being wider than needed (conservative), most of all for small samples.
    /// </summary>
    ClopperPearson,
}
