using LlmKit.Errors;

namespace LlmKit.Orchestration.Cascades;

/// <summary>
/// Settings of a <see cref="ChatCascade"/>: which answers are not good enough (and so go to the next, stronger tier),
/// how much the whole cascade may cost, and where a request starts. Bound from <c>LlmKit:Cascades:&lt;name&gt;</c> for
/// cascades registered with <c>AddCascade</c>, validated when the host starts.
/// </summary>
public sealed class CascadeOptions
{
    /// <summary>Gets the names of the LlmKit clients that form the cascade, cheapest first (for <c>AddCascade</c>).</summary>
    /// <value>The default value is empty. A registered cascade needs at least two distinct, registered client names.</value>
    public IList<string> Tiers { get; } = [];

    /// <summary>Gets or sets whether an answer that fails structured-output validation (or is empty or cut off at the output limit) escalates.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool EscalateOnInvalidOutput { get; set; } = true;

    /// <summary>Gets or sets whether a refusal escalates.</summary>
    /// <value>The default value is <see langword="false"/>: a stronger model usually refuses what a weaker one refused, and asking it costs more.</value>
    public bool EscalateOnRefusal { get; set; }

    /// <summary>Gets or sets whether a text answer that abstains (contains one of <see cref="AbstentionPhrases"/>) escalates.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool EscalateOnAbstention { get; set; } = true;

    /// <summary>Gets the phrases that mark a text answer as an abstention, matched case-insensitively anywhere in the answer.</summary>
    /// <value>The default value is "I don't know", "I do not know", "I'm not sure", "I am not sure", "not enough information".</value>
    /// <remarks>Say in the prompt how the model should abstain (one of these phrases) so that the check is exact rather than a guess.</remarks>
    public IList<string> AbstentionPhrases { get; } = [.. CascadeConstants.DefaultAbstentionPhrases];

    /// <summary>Gets or sets the lowest confidence accepted from a structured answer that reports one (see <see cref="CascadeChecks{T}.Confidence"/>).</summary>
    /// <value>The default value is <see langword="null"/>: confidence is not checked. Valid values are 0 to 1.</value>
    public double? MinConfidence { get; set; }

    /// <summary>Gets the error kinds on which a tier's failure escalates instead of ending the cascade with the error.</summary>
    /// <value>
    /// The default value is <see cref="LlmErrorKind.ContextLengthExceeded"/>: stronger tiers usually have larger windows.
    /// Transient failures are the resilience stage's to retry and fall back from; a budget refusal always stops.
    /// </value>
    public IList<LlmErrorKind> EscalateOnErrors { get; } = [LlmErrorKind.ContextLengthExceeded];

    /// <summary>Gets or sets the most the whole cascade may cost, in US dollars (priced from the model catalog): no tier is started once the cascade has spent it.</summary>
    /// <value>The default value is <see langword="null"/>: only the budgets of the tiers' clients limit it. Must be positive when set.</value>
    public decimal? MaxCost { get; set; }

    /// <summary>
    /// Gets or sets a classifier that picks the tier a request starts at (a keyword rule, a small model, a
    /// <c>GetObjectAsync</c> call on the first tier): it returns a tier name, or <see langword="null"/> to start at the first.
    /// Model calls it makes with <see cref="CascadeRoutingContext.Options"/> belong to the cascade's logical call.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: every request starts at the first tier.</value>
    public Func<CascadeRoutingContext, CancellationToken, ValueTask<string?>>? Router { get; set; }

    internal IEnumerable<string> Validate(string section)
    {
        if (MinConfidence is { } confidence && (double.IsNaN(confidence) || confidence < 0 || confidence > 1))
        {
            yield return $"{section}:MinConfidence must be between 0 and 1, but was {confidence}.";
        }

        if (MaxCost is <= 0)
        {
            yield return $"{section}:MaxCost must be positive when set, but was {MaxCost}.";
        }

        for (int i = 0; i < AbstentionPhrases.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(AbstentionPhrases[i]))
            {
                yield return $"{section}:AbstentionPhrases:{i} must not be empty.";
            }
        }

        if (Tiers.Count > 0)
        {
            if (Tiers.Count < 2)
            {
                yield return $"{section}:Tiers must name at least two clients (cheapest first), but names {Tiers.Count}.";
            }

            if (Tiers.Distinct(StringComparer.Ordinal).Count() != Tiers.Count)
            {
                yield return $"{section}:Tiers names a client more than once: {string.Join(", ", Tiers)}.";
            }
        }
    }
}

/// <summary>Defaults of <see cref="CascadeOptions"/>.</summary>
public static class CascadeConstants
{
    /// <summary>The configuration section of registered cascades: <c>LlmKit:Cascades</c>; each reads <c>LlmKit:Cascades:&lt;name&gt;</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Cascades";

    /// <summary>The kind of the cascade's logical call in telemetry: <c>cascade</c>.</summary>
    public const string CallKind = "cascade";

    /// <summary>Gets the default abstention phrases.</summary>
    public static IReadOnlyList<string> DefaultAbstentionPhrases { get; } =
        ["I don't know", "I do not know", "I'm not sure", "I am not sure", "not enough information"];
}
