namespace LlmKit.Evaluation.Statistics;

/// <summary>Defaults of the resampling methods, chosen so the Monte Carlo error is small next to the interval itself.</summary>
public static class StatisticsConstants
{
    /// <summary>Bootstrap resamples by default: 4,000 puts the Monte Carlo error of a 95% bound near 0.1 of its standard error.</summary>
    public const int DefaultResamples = 4000;

    /// <summary>Random sign flips by default when the exact permutation distribution is too large to enumerate.</summary>
    public const int DefaultPermutations = 10_000;

    /// <summary>Up to this many non-zero paired differences, a sign-flip test enumerates all 2^n sign patterns exactly.</summary>
    public const int ExactSignFlipLimit = 16;

    /// <summary>The default seed of every resampling method, so that a report is reproducible from its data.</summary>
    public const int DefaultSeed = 20_240_601;
}
