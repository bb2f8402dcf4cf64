namespace LlmKit.Evaluation.Statistics;

/// <summary>
/// Cluster bootstrap intervals for continuous metrics (F1, a judge's score, recall): cases are resampled with
/// replacement, each carrying all its repetitions, so the correlation between repetitions of a case is kept.
/// </summary>
/// <remarks>
/// Intervals are bias-corrected and accelerated (BCa, Efron 1987), with the acceleration from a jackknife over cases;
/// that corrects the percentile interval for the skew of bounded metrics near 0 or 1. Resampling is seeded, so the
/// same data give the same interval.
/// </remarks>
public static class Bootstrap
{
    /// <summary>An interval for the mean of a metric over all trials, resampling cases.</summary>
    /// <param name="valuesPerCase">The metric's values, one list per case (its repetitions).</param>
    /// <param name="confidence">The two-sided confidence level.</param>
    /// <param name="resamples">The number of bootstrap resamples.</param>
    /// <param name="seed">The random seed.</param>
    /// <returns>The interval around the trial-weighted mean.</returns>
    public static Interval Mean(
        IReadOnlyList<IReadOnlyList<double>> valuesPerCase,
        double confidence = 0.95,
        int resamples = StatisticsConstants.DefaultResamples,
        int seed = StatisticsConstants.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(valuesPerCase);
        var (sums, counts) = Summarize(valuesPerCase, nameof(valuesPerCase));
        return Bca(sums.Length, weights => Ratio(sums, counts, weights), confidence, resamples, seed);
    }

    /// <summary>
    /// An interval for the mean per-case difference, candidate minus baseline, over the same cases: the paired
    /// bootstrap resamples cases and takes both variants' values of each drawn case together.
    /// </summary>
    /// <param name="baselinePerCase">The baseline's values per case.</param>
    /// <param name="candidatePerCase">The candidate's values per case, aligned with <paramref name="baselinePerCase"/>.</param>
    /// <param name="confidence">The two-sided confidence level.</param>
    /// <param name="resamples">The number of bootstrap resamples.</param>
    /// <param name="seed">The random seed.</param>
    /// <returns>The interval around the mean over cases of (candidate mean − baseline mean).</returns>
    public static Interval PairedDifference(
        IReadOnlyList<IReadOnlyList<double>> baselinePerCase,
        IReadOnlyList<IReadOnlyList<double>> candidatePerCase,
        double confidence = 0.95,
        int resamples = StatisticsConstants.DefaultResamples,
        int seed = StatisticsConstants.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(baselinePerCase);
        ArgumentNullException.ThrowIfNull(candidatePerCase);
        if (baselinePerCase.Count != candidatePerCase.Count)
        {
            throw new ArgumentException("A paired comparison needs the same cases on both sides.", nameof(candidatePerCase));
        }

        // Case-weighted: every case's mean difference counts once, as in the paired tests.
        var (baseSums, baseCounts) = Summarize(baselinePerCase, nameof(baselinePerCase));
        var (candSums, candCounts) = Summarize(candidatePerCase, nameof(candidatePerCase));
        var differences = new double[baseSums.Length];
        for (int i = 0; i < differences.Length; i++)
        {
            differences[i] = candSums[i] / candCounts[i] - baseSums[i] / baseCounts[i];
        }

        return Bca(differences.Length, weights => WeightedMean(differences, weights), confidence, resamples, seed);
    }

    /// <summary>A BCa interval for a statistic of per-case weights (how often each case was drawn).</summary>
    internal static Interval Bca(int cases, Func<int[], double> statistic, double confidence, int resamples, int seed)
    {
        Proportion.Check(confidence);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        var weights = new int[cases];
        Array.Fill(weights, 1);
        double estimate = statistic(weights);
        if (cases < 2)
        {
            return new Interval(estimate, estimate, estimate, confidence);
        }

        var random = new Random(seed);
        var replicates = new double[resamples];
        int below = 0, equal = 0;
        for (int r = 0; r < resamples; r++)
        {
            Array.Clear(weights);
            for (int i = 0; i < cases; i++)
            {
                weights[random.Next(cases)]++;
            }

            double value = statistic(weights);
            replicates[r] = value;
            below += value < estimate ? 1 : 0;
            equal += value == estimate ? 1 : 0;
        }

        Array.Sort(replicates);
        if (replicates[0] == replicates[^1])
        {
            return new Interval(estimate, estimate, estimate, confidence);
        }

        // Bias correction: ties count half, so a discrete statistic with many ties is not pushed to one side.
        double share = Math.Clamp((below + 0.5 * equal) / resamples, 0.5 / resamples, 1 - 0.5 / resamples);
        double z0 = Distributions.NormalQuantile(share);

        // Acceleration from the jackknife over cases.
        Array.Fill(weights, 1);
        var jack = new double[cases];
        double jackMean = 0;
        for (int i = 0; i < cases; i++)
        {
            weights[i] = 0;
            jack[i] = statistic(weights);
            weights[i] = 1;
            jackMean += jack[i] / cases;
        }

        double num = 0, den = 0;
        foreach (double value in jack)
        {
            double d = jackMean - value;
            num += d * d * d;
            den += d * d;
        }

        double acceleration = den > 0 ? num / (6 * Math.Pow(den, 1.5)) : 0;
        double zLow = Distributions.NormalQuantile((1 - confidence) / 2), zHigh = -zLow;
        double lower = Quantile(replicates, Adjust(z0, zLow, acceleration));
        double upper = Quantile(replicates, Adjust(z0, zHigh, acceleration));
        return new Interval(estimate, Math.Min(lower, estimate), Math.Max(upper, estimate), confidence);
    }

    private static double Adjust(double z0, double z, double acceleration)
    {
        double shifted = z0 + z;
        return Distributions.NormalCdf(z0 + shifted / (1 - acceleration * shifted));
    }

    private static double Quantile(double[] sorted, double probability)
    {
        double position = Math.Clamp(probability, 0, 1) * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }

    private static double WeightedMean(double[] values, int[] weights)
    {
        double sum = 0;
        long count = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += weights[i] * values[i];
            count += weights[i];
        }

        return count == 0 ? double.NaN : sum / count;
    }

    private static double Ratio(double[] sums, int[] counts, int[] weights)
    {
        double sum = 0;
        long count = 0;
        for (int i = 0; i < sums.Length; i++)
        {
            sum += weights[i] * sums[i];
            count += weights[i] * counts[i];
        }

        return count == 0 ? double.NaN : sum / count;
    }

    private static (double[] Sums, int[] Counts) Summarize(IReadOnlyList<IReadOnlyList<double>> valuesPerCase, string name)
    {
        if (valuesPerCase.Count == 0)
        {
            throw new ArgumentException("At least one case is needed.", name);
        }

        var sums = new double[valuesPerCase.Count];
        var counts = new int[valuesPerCase.Count];
        for (int i = 0; i < valuesPerCase.Count; i++)
        {
            var values = valuesPerCase[i] ?? throw new ArgumentException($"Case {i} has no values.", name);
            if (values.Count == 0)
            {
                throw new ArgumentException($"Case {i} has no values.", name);
            }

            foreach (double value in values)
            {
                if (!double.IsFinite(value))
                {
                    throw new ArgumentException($"Case {i} has a value that is not a finite number ({value}).", name);
                }

                sums[i] += value;
            }

            counts[i] = values.Count;
        }

        return (sums, counts);
    }
}
