namespace LlmKit.Evaluation.Assertions;

/// <summary>
/// Thrown by an evaluation assertion that did not pass: it failed (the data show the requirement is not met) or it
/// is inconclusive (the data cannot tell; the message says "inconclusive — run more" and about how many cases). Any
/// test framework reports it as a failed test.
/// </summary>
public sealed class EvaluationAssertionException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="EvaluationAssertionException"/> class.</summary>
    /// <param name="verdict">The verdict that did not pass.</param>
    public EvaluationAssertionException(EvaluationVerdict verdict)
        : base((verdict ?? throw new ArgumentNullException(nameof(verdict))).Message)
    {
        Verdict = verdict;
    }

    /// <summary>Initializes a new instance of the <see cref="EvaluationAssertionException"/> class.</summary>
    public EvaluationAssertionException()
        : base("An evaluation assertion did not pass.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EvaluationAssertionException"/> class.</summary>
    /// <param name="message">The message.</param>
    public EvaluationAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="EvaluationAssertionException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public EvaluationAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the verdict, with the numbers and the run, when the exception came from a check.</summary>
    public EvaluationVerdict? Verdict { get; }

    /// <summary>Gets whether the check failed or was inconclusive.</summary>
    public EvaluationOutcome Outcome => Verdict?.Outcome ?? EvaluationOutcome.Failed;
}
