using System.ComponentModel.DataAnnotations;

namespace LlmKit.Guardrails.Pii;

/// <summary>
/// Settings of PII redaction (<c>UsePiiRedaction</c> and <see cref="PiiRedactor"/>), bound from
/// <c>LlmKit:Guardrails:Pii</c> and validated when the host starts.
/// </summary>
public sealed class PiiRedactionOptions
{
    /// <summary>Gets or sets what happens to a value whose entity has no entry in <see cref="EntityModes"/>.</summary>
    /// <value>The default value is <see cref="PiiRedactionMode.Placeholder"/>.</value>
    public PiiRedactionMode DefaultMode { get; set; } = PiiRedactionMode.Placeholder;

    /// <summary>
    /// Gets the mode of each entity that differs from <see cref="DefaultMode"/>, by entity name (<c>EMAIL</c>,
    /// <c>CREDIT_CARD</c>, …, or a custom detector's entity). <see cref="PiiRedactionMode.Off"/> turns an entity's
    /// detection off.
    /// </summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, PiiRedactionMode> EntityModes { get; } = new Dictionary<string, PiiRedactionMode>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the lowest confidence (after the context rule) a match needs to be redacted.</summary>
    /// <value>The default value is 0.5. Valid values are 0 to 1.</value>
    /// <remarks>
    /// Checksummed and structural matches (cards with a scheme prefix, IBANs, e-mail addresses, known key formats)
    /// score 0.6 or more on their own; ambiguous shapes (nine plain digits, a bare ten-digit number, a Luhn-valid
    /// number of no known scheme) score under 0.5 and are redacted only with a context word nearby.
    /// </remarks>
    [Range(0.0, 1.0)]
    public double MinConfidence { get; set; } = PiiRedactionConstants.DefaultMinConfidence;

    /// <summary>Gets values that are never redacted, compared case-insensitively: your support address, your public site.</summary>
    /// <value>The default value is empty.</value>
    public IList<string> AllowList { get; } = [];

    /// <summary>Gets detectors of your own, run after the built-in ones (see <see cref="RegexPiiDetector"/>).</summary>
    /// <value>The default value is empty. Code only.</value>
    public IList<PiiDetector> CustomDetectors { get; } = [];

    /// <summary>
    /// Gets or sets whether placeholders in the model's answer (text, streamed text and tool-call arguments) are restored
    /// to the values before the answer reaches the caller.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RestoreAnswers { get; set; } = true;

    /// <summary>
    /// Gets or sets whether personal data the model itself wrote in its answer (values it was never given) is masked
    /// (or hashed, when that is the entity's mode) before the answer reaches the caller.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RedactAnswers { get; set; }

    /// <summary>
    /// Gets or sets the key of <see cref="PiiRedactionMode.Hash"/> tokens. Set it (from a secret store) when tokens must
    /// match across processes and restarts.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a random key per <see cref="PiiRedactor"/>, so tokens match within one process only.</value>
    [MinLength(16)]
    public string? HashKey { get; set; }

    /// <summary>Returns the mode of an entity.</summary>
    /// <param name="entity">The entity.</param>
    /// <returns>Its mode.</returns>
    public PiiRedactionMode ModeOf(PiiEntity entity) =>
        EntityModes.TryGetValue(entity.Name, out var mode) ? mode : DefaultMode;

    /// <summary>Returns the problems with these options, each naming its setting; empty when they are valid.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => r.ErrorMessage ?? "Invalid value."));
        }

        foreach (var (name, mode) in EntityModes)
        {
            if (!PiiEntity.IsValidName(name.ToUpperInvariant()))
            {
                failures.Add($"EntityModes:{name} is not an entity name; use EMAIL, PHONE, CREDIT_CARD, IBAN, US_SSN, IP_ADDRESS, URL, SECRET or a custom detector's entity.");
            }

            if (!Enum.IsDefined(mode))
            {
                failures.Add($"EntityModes:{name} has the unknown mode {(int)mode}.");
            }
        }

        if (!Enum.IsDefined(DefaultMode))
        {
            failures.Add($"The field DefaultMode has the unknown mode {(int)DefaultMode}.");
        }

        if (CustomDetectors.Any(d => d is null))
        {
            failures.Add("CustomDetectors contains null.");
        }

        return failures;
    }
}
