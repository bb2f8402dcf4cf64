using LlmKit.StructuredOutput;

namespace LlmKit.Orchestration.Voting;

/// <summary>How the answers of a vote are compared.</summary>
public enum VoteMode
{
    /// <summary>Whole answers are compared (as canonical JSON, or with the caller's comparer); the most frequent one wins.</summary>
    WholeValue,

    /// <summary>
    /// Each top-level property is voted on separately and the winners are assembled into one answer (validated against
    /// the type's schema and DataAnnotations before it is accepted): answers that differ in one field still agree on the others.
    /// </summary>
    PerField,
}

/// <summary>Settings of a self-consistency vote (<c>GetConsensusAsync</c>).</summary>
public sealed class SelfConsistencyOptions
{
    /// <summary>Gets or sets how many answers to ask for (n).</summary>
    /// <value>The default value is 5. Valid values are 1 to 64.</value>
    public int Samples { get; set; } = SelfConsistencyConstants.DefaultSamples;

    /// <summary>Gets or sets how many answers may be asked for at once.</summary>
    /// <value>The default value is 4. Valid values are 1 to 64.</value>
    public int MaxConcurrency { get; set; } = SelfConsistencyConstants.DefaultMaxConcurrency;

    /// <summary>Gets or sets how many answers must agree for the vote to answer (k of n); otherwise it abstains.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the most frequent answer wins when no other answer is as frequent
    /// (a tie abstains). Valid values are 1 to <see cref="Samples"/>.
    /// </value>
    public int? Quorum { get; set; }

    /// <summary>Gets or sets how answers are compared.</summary>
    /// <value>The default value is <see cref="VoteMode.WholeValue"/>.</value>
    public VoteMode Mode { get; set; } = VoteMode.WholeValue;

    /// <summary>Gets or sets the sampling temperature of every answer; sampling needs some, or all answers are alike.</summary>
    /// <value>The default value is <see langword="null"/>: the call's or the client's own. Valid values are 0 to 2.</value>
    public float? Temperature { get; set; }

    /// <summary>Gets or sets whether to stop asking (and cancel answers in flight) once the outcome can no longer change.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool StopEarly { get; set; } = true;

    /// <summary>Gets or sets the structured-output settings of each answer; the client's (<c>AddStructuredOutput</c>) or the defaults when <see langword="null"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public StructuredOutputOptions? StructuredOutput { get; set; }

    internal IEnumerable<string> Validate(string section)
    {
        if (Samples is < 1 or > SelfConsistencyConstants.MaxSamples)
        {
            yield return $"{section}:Samples must be between 1 and {SelfConsistencyConstants.MaxSamples}, but was {Samples}.";
        }

        if (MaxConcurrency is < 1 or > SelfConsistencyConstants.MaxSamples)
        {
            yield return $"{section}:MaxConcurrency must be between 1 and {SelfConsistencyConstants.MaxSamples}, but was {MaxConcurrency}.";
        }

        if (Quorum is { } quorum && (quorum < 1 || quorum > Samples))
        {
            yield return $"{section}:Quorum must be between 1 and Samples ({Samples}), but was {quorum}.";
        }

        if (Temperature is { } t && (float.IsNaN(t) || t < 0 || t > 2))
        {
            yield return $"{section}:Temperature must be between 0 and 2, but was {t}.";
        }

        if (!Enum.IsDefined(Mode))
        {
            yield return $"{section}:Mode must be WholeValue or PerField, but was {Mode}.";
        }
    }
}

/// <summary>Defaults and limits of <see cref="SelfConsistencyOptions"/>.</summary>
public static class SelfConsistencyConstants
{
    /// <summary>The default number of answers: 5, the smallest odd number where one stray answer cannot decide the vote.</summary>
    public const int DefaultSamples = 5;

    /// <summary>The default number of answers in flight: 4.</summary>
    public const int DefaultMaxConcurrency = 4;

    /// <summary>The most answers one vote may ask for: 64.</summary>
    public const int MaxSamples = 64;

    /// <summary>The kind of the vote's logical call in telemetry: <c>self_consistency</c>.</summary>
    public const string CallKind = "self_consistency";
}
