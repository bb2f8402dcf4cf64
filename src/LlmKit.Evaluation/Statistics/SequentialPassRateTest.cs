namespace LlmKit.Evaluation.Statistics;

/// <summary>
/// Decides whether a pass rate is above or below a bar while the trials come in, and stops as soon as the answer is
/// clear: two of Wald's sequential probability ratio tests run side by side (Sobel and Wald's three-decision
/// procedure), one for "above the bar" and one for "below it".
/// </summary>
/// <remarks>
/// <para>
/// The upward test weighs p = bar + δ against p = bar, the downward test p = bar − δ against p = bar, where δ is the
/// indifference zone. A rate exactly at the bar is called <see cref="SequentialDecision.Above"/> (or
/// <see cref="SequentialDecision.Below"/>) with probability at most about 1 − confidence each; a rate δ away from
/// the bar is called correctly with probability about <c>power</c>. The boundaries are set so that Wald's inequalities
/// bound the error rates by the stated ones (not merely approximate them), apart from the rare runs that reach the
/// trial limit. A clear case stops after far fewer trials than
/// the fixed-size design with the same error rates needs (<see cref="FixedSampleTrials"/>); that saving is the
/// point.
/// </para>
/// <para>
/// The trials must be independent. Repetitions of the same cases are not, so an evaluation run feeds this test with
/// cases drawn at random with replacement: each draw is then an independent trial of the dataset's pass rate.
/// </para>
/// </remarks>
public sealed class SequentialPassRateTest
{
    private readonly double _upperBoundary;
    private readonly double _lowerBoundary;
    private readonly double _upPass;
    private readonly double _upFail;
    private readonly double _downPass;
    private readonly double _downFail;
    private double _upLogRatio;
    private double _downLogRatio;
    private int _upState;   // 0 running, 1 accepted "above", −1 accepted "at the bar"
    private int _downState; // 0 running, 1 accepted "below", −1 accepted "at the bar"

    /// <summary>Initializes a new instance of the <see cref="SequentialPassRateTest"/> class.</summary>
    /// <param name="bar">The pass rate to decide about.</param>
    /// <param name="indifference">δ: rates within δ of the bar may end as <see cref="SequentialDecision.NearTheBar"/>.</param>
    /// <param name="confidence">1 − the error rate at the bar, for example 0.95.</param>
    /// <param name="power">The probability of a correct call for a rate δ from the bar, for example 0.8.</param>
    /// <param name="maxTrials">A hard limit on trials; <see langword="null"/> for three times <see cref="FixedSampleTrials"/>.</param>
    public SequentialPassRateTest(double bar, double indifference, double confidence = 0.95, double power = 0.8, int? maxTrials = null)
    {
        Proportion.Check(confidence);
        Proportion.Check(power);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(indifference);
        if (bar - indifference <= 0 || bar + indifference >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(indifference), indifference, $"The bar ({bar}) ± the indifference zone must stay strictly between 0 and 1.");
        }

        Bar = bar;
        Indifference = indifference;
        Confidence = confidence;
        Power = power;
        // Wald's boundaries ln((1 − β)/α) and ln(β/(1 − α)) only bound the error rates by α/(1 − β) and β/(1 − α);
        // solving for the α*, β* whose bounds are the stated rates makes them guarantees (at a few more trials).
        double alpha = 1 - confidence, beta = 1 - power;
        double alphaStar = alpha * (1 - beta) / (1 - alpha * beta), betaStar = beta * (1 - alpha) / (1 - alpha * beta);
        _upperBoundary = Math.Log((1 - betaStar) / alphaStar);
        _lowerBoundary = Math.Log(betaStar / (1 - alphaStar));
        double high = bar + indifference, low = bar - indifference;
        _upPass = Math.Log(high / bar);
        _upFail = Math.Log((1 - high) / (1 - bar));
        _downPass = Math.Log(low / bar);
        _downFail = Math.Log((1 - low) / (1 - bar));

        double zAlpha = Distributions.NormalQuantile(confidence), zBeta = Distributions.NormalQuantile(power);
        double Fixed(double alternative) =>
            Math.Pow((zAlpha * Math.Sqrt(bar * (1 - bar)) + zBeta * Math.Sqrt(alternative * (1 - alternative))) / indifference, 2);
        FixedSampleTrials = (int)Math.Ceiling(Math.Max(Fixed(high), Fixed(low)));
        MaxTrials = maxTrials ?? 3 * FixedSampleTrials;
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTrials, 1, nameof(maxTrials));
    }

    /// <summary>Gets the bar.</summary>
    public double Bar { get; }

    /// <summary>Gets the indifference zone δ.</summary>
    public double Indifference { get; }

    /// <summary>Gets the confidence (1 − the error rate at the bar).</summary>
    public double Confidence { get; }

    /// <summary>Gets the power at a rate δ from the bar.</summary>
    public double Power { get; }

    /// <summary>Gets the trial limit.</summary>
    public int MaxTrials { get; }

    /// <summary>
    /// Gets how many independent trials a fixed-size test with the same error rates and δ needs (normal
    /// approximation): what the sequential test saves against.
    /// </summary>
    public int FixedSampleTrials { get; }

    /// <summary>Gets the number of trials observed.</summary>
    public int Trials { get; private set; }

    /// <summary>Gets the number of passing trials observed.</summary>
    public int Successes { get; private set; }

    /// <summary>Gets the decision so far.</summary>
    public SequentialDecision Decision { get; private set; }

    /// <summary>Gets the share of <see cref="FixedSampleTrials"/> not needed (negative when the test ran longer).</summary>
    public double Saving => 1 - (double)Trials / FixedSampleTrials;

    /// <summary>Adds one trial's outcome and returns the decision.</summary>
    /// <param name="passed">Whether the trial passed.</param>
    /// <returns>The decision after this trial; once decided, later trials are ignored.</returns>
    public SequentialDecision Observe(bool passed)
    {
        if (Decision != SequentialDecision.Continue)
        {
            return Decision;
        }

        Trials++;
        Successes += passed ? 1 : 0;
        if (_upState == 0)
        {
            _upLogRatio += passed ? _upPass : _upFail;
            _upState = _upLogRatio >= _upperBoundary ? 1 : _upLogRatio <= _lowerBoundary ? -1 : 0;
        }

        if (_downState == 0)
        {
            _downLogRatio += passed ? _downPass : _downFail;
            _downState = _downLogRatio >= _upperBoundary ? 1 : _downLogRatio <= _lowerBoundary ? -1 : 0;
        }

        Decision = _upState == 1 ? SequentialDecision.Above
            : _downState == 1 ? SequentialDecision.Below
            : _upState == -1 && _downState == -1 ? SequentialDecision.NearTheBar
            : Trials >= MaxTrials ? SequentialDecision.Truncated
            : SequentialDecision.Continue;
        return Decision;
    }
}
