using System.Globalization;

namespace LlmKit.Evaluation.Statistics;

/// <summary>How many cases and repetitions an evaluation needs.</summary>
/// <param name="Cases">The number of distinct cases.</param>
/// <param name="Repetitions">The runs per case.</param>
public sealed record SamplePlan(int Cases, int Repetitions)
{
    /// <summary>Gets the number of trials (feature calls) the plan costs.</summary>
    public int Trials => Cases * Repetitions;

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Cases} cases × {Repetitions} repetitions = {Trials} trials");
}

/// <summary>
/// Plans an evaluation before it runs: how many cases × repetitions give the power to detect the effect that matters
/// at the stated confidence. Planning is what makes a passing regression gate mean something: with too few cases a
/// real regression passes unnoticed.
/// </summary>
/// <remarks>
/// <para>
/// The model behind the plans: each case has its own pass probability (cases differ in difficulty); the
/// intra-case correlation ρ is the share of the pass/fail variance that is between cases (0: all cases alike,
/// 1: a case always passes or always fails). Repetitions average out only the within-case part, so past a few
/// repetitions more cases help more than more runs of the same cases; compare plans for several repetition counts
/// and pick the cheapest.
/// </para>
/// <para>
/// Pass-rate plans come from the normal approximation of the clustered Wilson bound. Regression plans use the exact
/// power of the McNemar test for one run per case, and otherwise the normal approximation checked (and grown) by a
/// seeded simulation of the sign-flip test the gate runs, because coarse per-case rates make that test conservative.
/// For a regression the candidate is assumed to lose the same amount on every case; a drop concentrated on a few
/// cases needs more cases than planned.
/// </para>
/// </remarks>
public static class SampleSizePlanner
{
    /// <summary>Plans a pass-rate check: show the rate is at least <paramref name="bar"/> when it truly is <paramref name="expectedRate"/>.</summary>
    /// <param name="expectedRate">The rate the feature is believed to have, above <paramref name="bar"/>.</param>
    /// <param name="bar">The rate it must be shown to reach.</param>
    /// <param name="repetitions">The runs per case.</param>
    /// <param name="intraCaseCorrelation">ρ in [0, 1]; 0.3 is a cautious guess for LLM features when nothing is known.</param>
    /// <param name="confidence">The one-sided confidence of the check.</param>
    /// <param name="power">The probability of showing it when the rate is <paramref name="expectedRate"/>.</param>
    /// <returns>The plan.</returns>
    public static SamplePlan ForPassRate(double expectedRate, double bar, int repetitions = 1, double intraCaseCorrelation = 0.3, double confidence = 0.95, double power = 0.8)
    {
        CheckRate(expectedRate, nameof(expectedRate));
        CheckRate(bar, nameof(bar));
        if (expectedRate <= bar)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedRate), expectedRate, $"The expected rate must be above the bar ({bar}) for the check to pass.");
        }

        var (zAlpha, zBeta) = Quantiles(confidence, power, repetitions, intraCaseCorrelation);
        double n = Math.Pow((zAlpha * Math.Sqrt(bar * (1 - bar)) + zBeta * Math.Sqrt(expectedRate * (1 - expectedRate))) / (expectedRate - bar), 2);
        double trials = n * (1 + (repetitions - 1) * intraCaseCorrelation);
        return new SamplePlan(Math.Max(2, (int)Math.Ceiling(trials / repetitions - 1e-9)), repetitions);
    }

    /// <summary>
    /// Plans a regression gate on a pass rate: detect a drop of <paramref name="drop"/> from
    /// <paramref name="baselineRate"/> (beyond the tolerated <paramref name="margin"/>) with the given power.
    /// </summary>
    /// <param name="baselineRate">The baseline's pass rate.</param>
    /// <param name="drop">The drop that must not go unnoticed (0.1 = ten points), larger than <paramref name="margin"/>.</param>
    /// <param name="repetitions">The runs per case for each variant.</param>
    /// <param name="intraCaseCorrelation">ρ in [0, 1].</param>
    /// <param name="margin">The drop the gate tolerates.</param>
    /// <param name="confidence">The one-sided confidence: the false-alarm rate at no change is at most 1 − confidence.</param>
    /// <param name="power">The probability of flagging a drop of <paramref name="drop"/>.</param>
    /// <returns>The plan.</returns>
    public static SamplePlan ForRegression(double baselineRate, double drop, int repetitions = 1, double intraCaseCorrelation = 0.3, double margin = 0, double confidence = 0.95, double power = 0.8)
    {
        CheckRate(baselineRate, nameof(baselineRate));
        CheckDrop(drop, margin);
        if (baselineRate - drop <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(drop), drop, $"A drop of {drop} from {baselineRate} leaves no pass rate.");
        }

        _ = Quantiles(confidence, power, repetitions, intraCaseCorrelation);
        double p = baselineRate, q = baselineRate - drop, rho = intraCaseCorrelation;
        double betweenCase = rho * p * (1 - p);

        // Within-case (binomial) variance of each arm, averaged over cases, over the repetitions.
        double withinBaseline = p * (1 - p) - betweenCase;
        double withinCandidate = Math.Max(0, q * (1 - q) - betweenCase);
        double sd = Math.Sqrt((withinBaseline + withinCandidate) / repetitions);
        int cases = CasesForDifference(sd, drop, margin, confidence, power);
        if (repetitions == 1 && margin == 0)
        {
            // One pass/fail run per case is the exact McNemar test, whose discreteness costs power the normal
            // approximation does not see; search upwards with its exact power instead.
            double discordant = p + q - 2 * (betweenCase + p * p - drop * p);
            while (ExactMcNemarPower(cases, discordant, drop, 1 - confidence) < power)
            {
                cases++;
            }
        }
        else if (Concentration(p, drop, rho) > 0)
        {
            // Pass rates over a few repetitions are coarse (multiples of 1/m), so the exact sign-flip test is
            // conservative and the normal approximation over-promises. Check the plan by simulating the model above
            // with the very test the gate runs, and search for the smallest size that reaches the power with a point
            // to spare for the simulation's own error.
            double target = Math.Min(0.999, power + 0.01);
            bool Enough(int k) => SimulatedPower(k, repetitions, p, drop, rho, margin, 1 - confidence) >= target;
            int low, high;
            if (Enough(cases))
            {
                high = cases;
                low = Math.Max(1, (int)(cases * 0.9));
                while (low > 1 && Enough(low))
                {
                    high = low;
                    low = Math.Max(1, (int)(low * 0.9));
                }
            }
            else
            {
                low = cases;
                high = (int)Math.Ceiling(cases * 1.1) + 1;
                while (!Enough(high))
                {
                    low = high;
                    high = (int)Math.Ceiling(high * 1.1) + 1;
                }
            }

            while (high - low > 1)
            {
                int middle = (low + high) / 2;
                (low, high) = Enough(middle) ? (low, middle) : (middle, high);
            }

            cases = Math.Max(2, high);
        }

        return new SamplePlan(cases, repetitions);
    }

    /// <summary>
    /// Plans a regression gate on a continuous score (F1, a judge's score) from the spread of per-case differences,
    /// measured in a pilot run or taken from an earlier comparison.
    /// </summary>
    /// <param name="differenceStandardDeviation">The standard deviation of per-case differences (candidate − baseline, each a mean over the planned repetitions).</param>
    /// <param name="drop">The drop that must not go unnoticed.</param>
    /// <param name="margin">The drop the gate tolerates.</param>
    /// <param name="confidence">The one-sided confidence.</param>
    /// <param name="power">The probability of flagging a drop of <paramref name="drop"/>.</param>
    /// <returns>The number of cases.</returns>
    public static int CasesForScoreRegression(double differenceStandardDeviation, double drop, double margin = 0, double confidence = 0.95, double power = 0.8)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(differenceStandardDeviation);
        CheckDrop(drop, margin);
        _ = Quantiles(confidence, power, 1, 0);
        return CasesForDifference(differenceStandardDeviation, drop, margin, confidence, power);
    }

    private static int CasesForDifference(double sd, double drop, double margin, double confidence, double power)
    {
        // The sign-flip statistic's null variance is the mean square of the shifted differences, σ² + (δ − m)²; its
        // mean under the alternative is −(δ − m) per case. Student t quantiles on cases − 1 degrees of freedom (found
        // by iterating) stand in for z, because at 20–50 cases the normal approximation promises more power than the
        // permutation test delivers.
        double effect = drop - margin;
        int cases = 2;
        for (int i = 0; i < 50; i++)
        {
            double tAlpha = Distributions.StudentTQuantile(confidence, Math.Max(1, cases - 1));
            double tBeta = Distributions.StudentTQuantile(power, Math.Max(1, cases - 1));
            int next = Math.Max(2, (int)Math.Ceiling(Math.Pow((tAlpha * Math.Sqrt(sd * sd + effect * effect) + tBeta * sd) / effect, 2) - 1e-9));
            if (next == cases)
            {
                break;
            }

            cases = next;
        }

        return cases;
    }

    // The simulated power of the gate under the planning model: case rates on [δ, 1] with mean p and the between-case
    // variance ρ·p(1 − p), the candidate δ lower on every case (possible while Concentration is positive).
    private static double Concentration(double p, double drop, double rho)
    {
        double scale = 1 - drop, mean = (p - drop) / scale;
        double variance = rho * p * (1 - p) / (scale * scale);
        return variance > 0 ? mean * (1 - mean) / variance - 1 : double.PositiveInfinity;
    }

    private static double SimulatedPower(int cases, int repetitions, double p, double drop, double rho, double margin, double alpha)
    {
        const int Simulations = 2000;
        double scale = 1 - drop, mean = (p - drop) / scale;
        double concentration = Concentration(p, drop, rho);

        var random = new RandomVariates(StatisticsConstants.DefaultSeed);
        var differences = new double[cases];
        int caught = 0;
        for (int run = 0; run < Simulations; run++)
        {
            for (int i = 0; i < cases; i++)
            {
                double rate = double.IsPositiveInfinity(concentration) ? p : drop + scale * random.Beta(mean * concentration, (1 - mean) * concentration);
                differences[i] = (random.Binomial(repetitions, rate - drop) - random.Binomial(repetitions, rate)) / (double)repetitions + margin;
            }

            caught += SignFlipTest.Test(differences, 1000, run).PValueBelow <= alpha ? 1 : 0;
        }

        return (double)caught / Simulations;
    }

    // Power of the one-sided exact McNemar test with `cases` pairs, a discordant-pair probability ψ and a drop δ:
    // the discordant count is Binomial(cases, ψ) and, given it, the candidate's wins are Binomial(n, (ψ − δ) / 2ψ).
    private static double ExactMcNemarPower(int cases, double discordant, double drop, double alpha)
    {
        double winShare = (discordant - drop) / (2 * discordant), power = 0;
        for (int n = 1; n <= cases; n++)
        {
            double pN = Math.Exp(LogBinomialProbability(n, cases, discordant));
            if (pN < 1e-15)
            {
                continue;
            }

            // The largest win count the test rejects at: P(Binomial(n, ½) ≤ c) ≤ α.
            int critical = -1;
            while (critical + 1 <= n && Distributions.BinomialCdf(critical + 1, n, 0.5) <= alpha)
            {
                critical++;
            }

            if (critical >= 0)
            {
                power += pN * Distributions.BinomialCdf(critical, n, winShare);
            }
        }

        return power;
    }

    private static double LogBinomialProbability(int k, int n, double p) =>
        Distributions.LogGamma(n + 1) - Distributions.LogGamma(k + 1) - Distributions.LogGamma(n - k + 1) + k * Math.Log(p) + (n - k) * Math.Log(1 - p);

    private static (double ZAlpha, double ZBeta) Quantiles(double confidence, double power, int repetitions, double rho)
    {
        Proportion.Check(confidence);
        Proportion.Check(power);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        if (rho is < 0 or > 1 || double.IsNaN(rho))
        {
            throw new ArgumentOutOfRangeException(nameof(rho), rho, "The intra-case correlation must be between 0 and 1.");
        }

        return (Distributions.NormalQuantile(confidence), Distributions.NormalQuantile(power));
    }

    private static void CheckRate(double rate, string name)
    {
        if (rate is <= 0 or >= 1 || double.IsNaN(rate))
        {
            throw new ArgumentOutOfRangeException(name, rate, "A rate strictly between 0 and 1 is required.");
        }
    }

    private static void CheckDrop(double drop, double margin)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        if (!(drop > margin))
        {
            throw new ArgumentOutOfRangeException(nameof(drop), drop, $"The drop to detect must be larger than the tolerated margin ({margin}).");
        }
    }
}
