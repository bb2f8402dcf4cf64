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
/// binomial and the test is the exact McNemar test. With up to <see cref="StatisticsConstants.ExactSignFlipLimit"/>
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
}
