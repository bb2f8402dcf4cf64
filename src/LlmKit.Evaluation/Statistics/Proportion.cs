namespace LlmKit.Evaluation.Statistics;

/// <summary>Confidence intervals for a rate of successes (a pass rate) from independent trials.</summary>
/// <remarks>
/// When the trials are repetitions of the same cases they are not independent (a hard case fails every time); use
/// <see cref="ClusteredProportion"/> then, which this class underlies.
/// </remarks>
public static class Proportion
{
    /// <summary>The Wilson score interval for <paramref name="successes"/> out of <paramref name="trials"/>.</summary>
    /// <param name="successes">The number of successes; fractional counts are allowed (effective sample sizes).</param>
    /// <param name="trials">The number of trials, &gt; 0.</param>
    /// <param name="confidence">The two-sided confidence level in (0, 1).</param>
    /// <returns>The interval.</returns>
    public static Interval Wilson(double successes, double trials, double confidence = 0.95) =>
        Wilson(successes, trials, confidence, Distributions.NormalQuantile(1 - (1 - Check(confidence)) / 2));

    /// <summary>The exact Clopper–Pearson interval for <paramref name="successes"/> out of <paramref name="trials"/>.</summary>
    /// <param name="successes">The number of successes.</param>
    /// <param name="trials">The number of trials, &gt; 0.</param>
    /// <param name="confidence">The two-sided confidence level in (0, 1).</param>
    /// <returns>The interval.</returns>
    public static Interval ClopperPearson(int successes, int trials, double confidence = 0.95)
    {
        CheckCounts(successes, trials);
        double alpha = 1 - Check(confidence);
        double lower = successes == 0 ? 0 : Distributions.BetaQuantile(alpha / 2, successes, trials - successes + 1);
        double upper = successes == trials ? 1 : Distributions.BetaQuantile(1 - alpha / 2, successes + 1, trials - successes);
        return new Interval((double)successes / trials, lower, upper, confidence);
    }

    /// <summary>An interval by the chosen <paramref name="method"/>.</summary>
    /// <param name="successes">The number of successes.</param>
    /// <param name="trials">The number of trials, &gt; 0.</param>
    /// <param name="confidence">The two-sided confidence level in (0, 1).</param>
    /// <param name="method">The method.</param>
    /// <returns>The interval.</returns>
    public static Interval Of(int successes, int trials, double confidence = 0.95, ProportionMethod method = ProportionMethod.Wilson) =>
        method == ProportionMethod.ClopperPearson ? ClopperPearson(successes, trials, confidence) : Wilson(successes, trials, confidence);

    /// <summary>The Wilson interval with an explicit critical value (a z or a t quantile).</summary>
    internal static Interval Wilson(double successes, double trials, double confidence, double critical)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trials);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        double p = successes / trials, z2 = critical * critical;
        double denominator = 1 + z2 / trials;
        double centre = (p + z2 / (2 * trials)) / denominator;
        double half = critical * Math.Sqrt(Math.Max(0, p * (1 - p) / trials + z2 / (4 * trials * trials))) / denominator;

        // At p = 0 or 1 the score interval touches the boundary exactly; rounding must not push it past.
        return new Interval(p, Math.Max(0, p == 0 ? 0 : centre - half), Math.Min(1, p == 1 ? 1 : centre + half), confidence);
    }

    internal static double Check(double confidence) =>
        confidence is > 0 and < 1 ? confidence : throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence level must be strictly between 0 and 1, for example 0.95.");

    private static void CheckCounts(int successes, int trials)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trials);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
    }
}
