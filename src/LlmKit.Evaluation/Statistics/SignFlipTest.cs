namespace LlmKit.Evaluation.Statistics;

/// <summary>One-sided p-values of a sign-flip (paired permutation) test of a shift of per-case differences.</summary>
/// <param name="PValueBelow">P(a statistic as low as the observed one) under the null: evidence that the shift is negative.</param>
/// <param name="PValueAbove">P(a statistic as high as the observed one) under the null: evidence that the shift is positive.</param>
/// <param name="Method">How the null distribution was obtained.</param>
public readonly record struct SignFlipResult(double PValueBelow, double PValueAbove, string Method);

/// <summary>
/// The sign-flip test: under the null hypothesis that each per-case difference is as likely to be positive as
/// negative, flipping signs at random gives the null distribution of their sum. It needs no normality and is exact
/// for any number of cases.
/// </summary>
/// <remarks>
/// When every non-zero difference has the same size (pass/fail outcomes, one run per case) the null distribution is
/// binomial and the test is the exact McNemar test. When the differences are multiples of a common step (pass rates
/// over a few repetitions: multiples of 1/m) the exact distribution is computed by convolution. Otherwise, with up to <see cref="StatisticsConstants.ExactSignFlipLimit"/>
/// non-zero differences every sign pattern is enumerated; above that, random flips give a Monte Carlo p-value
/// (1 + hits)/(1 + flips), which is itself a valid p-value.
/// </remarks>
public static class SignFlipTest
{
    /// <summary>Tests whether <paramref name="differences"/> are centred on zero.</summary>
    /// <param name="differences">The per-case differences (candidate − baseline, plus any margin shift).</param>
    /// <param name="permutations">Random flips when the exact distribution is too large.</param>
    /// <param name="seed">The random seed.</param>
    /// <returns>The one-sided p-values.</returns>
    public static SignFlipResult Test(IReadOnlyList<double> differences, int permutations = StatisticsConstants.DefaultPermutations, int seed = StatisticsConstants.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(differences);
        ArgumentOutOfRangeException.ThrowIfLessThan(permutations, 100);

        // Zeros do not move under a sign flip; leaving them out changes nothing and shrinks the enumeration.
        var values = differences.Where(d => d != 0).Select(Math.Abs).ToArray();
        double observed = differences.Sum();
        if (values.Length == 0)
        {
            return new SignFlipResult(1, 1, "sign-flip (no differences)");
        }

        double scale = values.Max();
        double tolerance = 1e-9 * scale * values.Length;
        if (values.All(v => Math.Abs(v - values[0]) <= 1e-12 * scale))
        {
            // Equal sizes: sum = size · (2·positives − n), positives ~ Binomial(n, 1/2).
            int n = values.Length;
            double positives = (observed / values[0] + n) / 2;
            int atMost = (int)Math.Floor(positives + 1e-9);
            int atLeast = (int)Math.Ceiling(positives - 1e-9);
            return new SignFlipResult(
                Distributions.BinomialCdf(atMost, n, 0.5),
                1 - Distributions.BinomialCdf(atLeast - 1, n, 0.5),
                "exact McNemar (binomial sign test)");
        }

        if (TryLattice(values, observed) is { } exact)
        {
            return exact;
        }

        if (values.Length <= StatisticsConstants.ExactSignFlipLimit)
        {
            long patterns = 1L << values.Length, below = 0, above = 0;
            for (long mask = 0; mask < patterns; mask++)
            {
                double sum = 0;
                for (int i = 0; i < values.Length; i++)
                {
                    sum += (mask & (1L << i)) != 0 ? values[i] : -values[i];
                }

                below += sum <= observed + tolerance ? 1 : 0;
                above += sum >= observed - tolerance ? 1 : 0;
            }

            return new SignFlipResult((double)below / patterns, (double)above / patterns, "exact sign-flip permutation");
        }

        var random = new Random(seed);
        long hitsBelow = 0, hitsAbove = 0;
        for (int r = 0; r < permutations; r++)
        {
            double sum = 0;
            ulong bits = 0;
            for (int i = 0; i < values.Length; i++)
            {
                if (i % 64 == 0)
                {
                    bits = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
                }

                sum += (bits & 1) != 0 ? values[i] : -values[i];
                bits >>= 1;
            }

            hitsBelow += sum <= observed + tolerance ? 1 : 0;
            hitsAbove += sum >= observed - tolerance ? 1 : 0;
        }

        return new SignFlipResult(
            (1.0 + hitsBelow) / (1 + permutations),
            (1.0 + hitsAbove) / (1 + permutations),
            $"sign-flip permutation ({permutations:N0} random flips)");
    }

    // Differences that are multiples of 1/L for a small L (pass rates over L repetitions) take few distinct sums, so
    // the exact null distribution is a convolution over integer sums: n · (range) steps instead of 2^n patterns.
    private static SignFlipResult? TryLattice(double[] values, double observed)
    {
        const int MaxStep = 60, MaxRange = 200_000;
        for (int step = 1; step <= MaxStep; step++)
        {
            var units = new int[values.Length];
            long total = 0;
            bool onLattice = true;
            for (int i = 0; i < values.Length && onLattice; i++)
            {
                double scaled = values[i] * step;
                units[i] = (int)Math.Round(scaled);
                onLattice = Math.Abs(scaled - units[i]) < 1e-7 && units[i] > 0;
                total += units[i];
            }

            if (!onLattice || total > MaxRange)
            {
                continue;
            }

            int offset = (int)total;
            var distribution = new double[2 * offset + 1];
            distribution[offset] = 1;
            var next = new double[distribution.Length];
            foreach (int unit in units)
            {
                Array.Clear(next);
                for (int s = 0; s < distribution.Length; s++)
                {
                    double mass = distribution[s];
                    if (mass != 0)
                    {
                        next[s + unit] += 0.5 * mass;
                        next[s - unit] += 0.5 * mass;
                    }
                }

                (distribution, next) = (next, distribution);
            }

            int at = (int)Math.Round(observed * step) + offset;
            double below = 0, above = 0;
            for (int s = 0; s < distribution.Length; s++)
            {
                below += s <= at ? distribution[s] : 0;
                above += s >= at ? distribution[s] : 0;
            }

            return new SignFlipResult(Math.Min(1, below), Math.Min(1, above), "exact sign-flip permutation");
        }

        return null;
    }
}
