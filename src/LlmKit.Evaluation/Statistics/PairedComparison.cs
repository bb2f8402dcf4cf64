using System.Globalization;

namespace LlmKit.Evaluation.Statistics;

/// <summary>The outcome of comparing a candidate with a baseline on the same cases.</summary>
/// <param name="Difference">
/// The mean per-case difference, candidate − baseline, with an interval from the paired bootstrap whose bounds are
/// one-sided bounds at <see cref="Confidence"/> (so the interval's two-sided level is 2·confidence − 1).
/// </param>
/// <param name="Cases">The number of paired cases.</param>
/// <param name="Margin">The drop that is tolerated (≥ 0).</param>
/// <param name="Confidence">The confidence of each one-sided decision.</param>
/// <param name="PValueWorse">The p-value against "the drop is no more than the margin": small means a regression.</param>
/// <param name="PValueNoWorse">The p-value against "the drop is at least the margin": small means shown no worse.</param>
/// <param name="Method">The test that produced the p-values.</param>
/// <param name="Verdict">The decision.</param>
public sealed record PairedComparisonResult(
    Interval Difference, int Cases, double Margin, double Confidence, double PValueWorse, double PValueNoWorse, string Method, ComparisonVerdict Verdict)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Verdict}: difference {Difference.Estimate:+0.###;-0.###;0} [{Difference.Lower:+0.###;-0.###;0}, {Difference.Upper:+0.###;-0.###;0}] over {Cases} cases, margin {Margin:0.###}, p(worse) = {PValueWorse:0.####}, p(no worse) = {PValueNoWorse:0.####} ({Method})");
}

/// <summary>
/// Compares a candidate (a new prompt, model or pipeline) with a baseline on the same cases, which removes the
/// case-to-case variation that unpaired comparisons drown in: a paired test of 30 cases often beats an unpaired one
/// of 300.
/// </summary>
/// <remarks>
/// <para>
/// Each case contributes one difference, the candidate's mean minus the baseline's mean over its repetitions (pass
/// rates for pass/fail, means for scores), so repetitions stay clustered inside their case. Two one-sided sign-flip
/// tests of the differences shifted by the margin decide: <see cref="ComparisonVerdict.Worse"/> when the drop is
/// shown to exceed the margin, <see cref="ComparisonVerdict.NoWorse"/> when it is shown to be smaller, and
/// <see cref="ComparisonVerdict.Inconclusive"/> otherwise. For pass/fail outcomes with one run per case and no
/// margin the test is the exact McNemar test.
/// </para>
/// <para>
/// At no change the sign-flip test is exact whatever the distribution of the differences, so the false-alarm rate
/// is at most 1 − confidence. With a margin the test assumes the differences are symmetric about their mean, which
/// holds approximately for averages of several repetitions.
/// </para>
/// </remarks>
public static class PairedComparison
{
    /// <summary>Compares per-case values of a candidate with a baseline.</summary>
    /// <param name="baselinePerCase">The baseline's values per case (1/0 for pass/fail, or scores).</param>
    /// <param name="candidatePerCase">The candidate's values per case, aligned with <paramref name="baselinePerCase"/>.</param>
    /// <param name="margin">The drop tolerated, in the metric's units (0.02 = two points of pass rate).</param>
    /// <param name="confidence">The confidence of each one-sided decision, for example 0.95.</param>
    /// <param name="permutations">Random sign flips when the exact test is too large.</param>
    /// <param name="resamples">Bootstrap resamples for the interval.</param>
    /// <param name="seed">The random seed.</param>
    /// <returns>The comparison.</returns>
    public static PairedComparisonResult Compare(
        IReadOnlyList<IReadOnlyList<double>> baselinePerCase,
        IReadOnlyList<IReadOnlyList<double>> candidatePerCase,
        double margin = 0,
        double confidence = 0.95,
        int permutations = StatisticsConstants.DefaultPermutations,
        int resamples = StatisticsConstants.DefaultResamples,
        int seed = StatisticsConstants.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(baselinePerCase);
        ArgumentNullException.ThrowIfNull(candidatePerCase);
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        Proportion.Check(confidence);
        if (confidence <= 0.5)
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "A one-sided decision needs a confidence above 0.5.");
        }

        var difference = Bootstrap.PairedDifference(baselinePerCase, candidatePerCase, 2 * confidence - 1, resamples, seed);
        var shifted = new double[baselinePerCase.Count];
        for (int i = 0; i < shifted.Length; i++)
        {
            shifted[i] = candidatePerCase[i].Average() - baselinePerCase[i].Average() + margin;
        }

        var test = SignFlipTest.Test(shifted, permutations, seed);
        double alpha = 1 - confidence;
        var verdict = test.PValueBelow <= alpha ? ComparisonVerdict.Worse
            : test.PValueAbove <= alpha ? ComparisonVerdict.NoWorse
            : ComparisonVerdict.Inconclusive;
        return new PairedComparisonResult(difference, shifted.Length, margin, confidence, test.PValueBelow, test.PValueAbove, test.Method, verdict);
    }
}
