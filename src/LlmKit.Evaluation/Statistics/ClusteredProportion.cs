namespace LlmKit.Evaluation.Statistics;

/// <summary>A pass rate over cases that were each run several times, with the interval that accounts for it.</summary>
/// <param name="Interval">The estimate (successes over trials) and its interval.</param>
/// <param name="Cases">The number of cases (clusters).</param>
/// <param name="Trials">The number of trials over all cases.</param>
/// <param name="Successes">The number of successful trials.</param>
/// <param name="EffectiveTrials">
/// How many independent trials the data are worth: the trials divided by the estimated design effect, between the
/// number of cases and the number of trials.
/// </param>
public sealed record ClusteredProportionEstimate(Interval Interval, int Cases, int Trials, int Successes, double EffectiveTrials)
{
    /// <summary>Gets the design effect: how much the repetitions' correlation inflates the variance (1 = independent).</summary>
    public double DesignEffect => EffectiveTrials > 0 ? Trials / EffectiveTrials : double.NaN;
}

/// <summary>
/// The pass rate of a feature over a dataset when every case was run several times. Repetitions of one case are
/// correlated (a case the model finds hard fails most times), so counting every trial as independent makes the
/// interval too narrow: a 30-case dataset run 10 times is not worth 300 independent observations.
/// </summary>
/// <remarks>
/// <para>
/// The estimate is successes over trials. Its variance is the cluster-robust (ratio estimator) variance over cases,
/// which is valid whatever the correlation inside a case; it defines an effective number of trials,
/// p(1 − p) / Var, clamped between the number of cases (every repetition a copy) and the number of trials (all
/// independent). The interval is the Wilson interval at that effective size, with the Student t quantile on
/// cases − 1 degrees of freedom instead of z because the variance is estimated from the cases.
/// </para>
/// <para>
/// When every trial passed (or every one failed) the correlation cannot be estimated; the effective size is then the
/// number of cases, the conservative choice: 30 cases passing 5 times each show a rate of at least 0.89 (95%), not
/// the 0.98 that 150 independent trials would.
/// </para>
/// </remarks>
public static class ClusteredProportion
{
    /// <summary>Estimates the pass rate and its interval from per-case counts.</summary>
    /// <param name="successes">Successful trials per case.</param>
    /// <param name="trials">Trials per case (each ≥ 1), aligned with <paramref name="successes"/>.</param>
    /// <param name="confidence">The two-sided confidence level in (0, 1).</param>
    /// <returns>The estimate.</returns>
    public static ClusteredProportionEstimate Estimate(IReadOnlyList<int> successes, IReadOnlyList<int> trials, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(successes);
        ArgumentNullException.ThrowIfNull(trials);
        Proportion.Check(confidence);
        if (successes.Count != trials.Count)
        {
            throw new ArgumentException("Every case needs both a success count and a trial count.", nameof(trials));
        }

        int k = successes.Count;
        if (k == 0)
        {
            throw new ArgumentException("At least one case is needed.", nameof(successes));
        }

        long totalTrials = 0, totalSuccesses = 0;
        bool repeated = false;
        for (int i = 0; i < k; i++)
        {
            if (trials[i] < 1 || successes[i] < 0 || successes[i] > trials[i])
            {
                throw new ArgumentException($"Case {i} has {successes[i]} successes out of {trials[i]} trials.", nameof(trials));
            }

            totalTrials += trials[i];
            totalSuccesses += successes[i];
            repeated |= trials[i] > 1;
        }

        double p = (double)totalSuccesses / totalTrials;
        double effective;
        if (!repeated || k == 1)
        {
            // One trial per case: the trials are the clusters. One case: nothing to estimate between-case spread from,
            // so the interval speaks about that case alone.
            effective = totalTrials;
        }
        else if (totalSuccesses == 0 || totalSuccesses == totalTrials)
        {
            effective = k;
        }
        else
        {
            double sumSquares = 0;
            for (int i = 0; i < k; i++)
            {
                double residual = successes[i] - p * trials[i];
                sumSquares += residual * residual;
            }

            double variance = k / (k - 1.0) * sumSquares / ((double)totalTrials * totalTrials);
            effective = variance > 0 ? Math.Clamp(p * (1 - p) / variance, k, totalTrials) : totalTrials;
        }

        double critical = repeated && k > 1
            ? Distributions.StudentTQuantile(1 - (1 - confidence) / 2, k - 1)
            : Distributions.NormalQuantile(1 - (1 - confidence) / 2);
        var interval = Proportion.Wilson(p * effective, effective, confidence, critical);
        return new ClusteredProportionEstimate(interval, k, (int)totalTrials, (int)totalSuccesses, effective);
    }
}
