using System.Text.Json;

namespace LlmKit.Schema;

/// <summary>Options for <see cref="JsonSchemaValidator.Compile(JsonElement, JsonSchemaValidatorOptions?)"/>.</summary>
public sealed class JsonSchemaValidatorOptions
{
    private readonly Dictionary<string, JsonElement> _documents = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets a value indicating whether <c>format</c> is asserted (<c>date-time</c>, <c>date</c>, <c>time</c>,
    /// <c>uuid</c>, <c>email</c>, <c>uri</c>) rather than treated as an annotation.
    /// </summary>
    /// <value>The default value is <see langword="false"/>, as draft 2020-12 prescribes. Unknown formats are never asserted.</value>
    public bool AssertFormat { get; set; }

    /// <summary>Gets or sets the most errors one validation collects before it stops looking.</summary>
    /// <value>The default value is 50 (<see cref="JsonSchemaValidatorConstants.DefaultMaxErrors"/>).</value>
    /// <remarks>A model fed back hundreds of errors does no better than one fed back the first fifty, and collecting them costs time.</remarks>
    public int MaxErrors { get; set; } = JsonSchemaValidatorConstants.DefaultMaxErrors;

    /// <summary>Gets or sets how long one <c>pattern</c> match may run before the instance is reported invalid.</summary>
    /// <value>The default value is 100 milliseconds (<see cref="JsonSchemaValidatorConstants.DefaultRegexTimeout"/>).</value>
    public TimeSpan RegexTimeout { get; set; } = JsonSchemaValidatorConstants.DefaultRegexTimeout;

    /// <summary>Gets or sets the most time one validation may take before it stops and reports the value as not valid.</summary>
    /// <value>The default value is 1 second (<see cref="JsonSchemaValidatorConstants.DefaultValidationTimeout"/>); <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</value>
    /// <remarks>
    /// Ordinary answers validate in microseconds; the budget bounds what a hostile or degenerate value can cost (many
    /// strings against a slow <c>pattern</c>, a long array under <c>uniqueItems</c>). A timed-out result has
    /// <see cref="JsonSchemaValidationResult.TimedOut"/> set. One regular-expression match may overrun it by up to <see cref="RegexTimeout"/>.
    /// </remarks>
    public TimeSpan ValidationTimeout { get; set; } = JsonSchemaValidatorConstants.DefaultValidationTimeout;

    /// <summary>Gets the schema documents that <c>$ref</c> may point to by absolute URI, keyed by their retrieval URI.</summary>
    public IReadOnlyDictionary<string, JsonElement> Documents => _documents;

    /// <summary>
    /// Makes a schema document available to <c>$ref</c> under an absolute URI (no network is ever used). Documents
    /// that declare their own <c>$id</c> are also found under it.
    /// </summary>
    /// <param name="uri">The absolute URI the document is retrieved by.</param>
    /// <param name="document">The schema document.</param>
    /// <returns>These options.</returns>
    public JsonSchemaValidatorOptions AddDocument(Uri uri, JsonElement document)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("A schema document needs an absolute URI.", nameof(uri));
        }

        _documents[SchemaUri.WithoutFragment(uri)] = document.Clone();
        return this;
    }

    internal void Validate()
    {
        if (MaxErrors < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxErrors), MaxErrors, "MaxErrors must be at least 1.");
        }

        if (RegexTimeout <= TimeSpan.Zero && RegexTimeout != System.Text.RegularExpressions.Regex.InfiniteMatchTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(RegexTimeout), RegexTimeout, "RegexTimeout must be positive.");
        }

        if (ValidationTimeout <= TimeSpan.Zero && ValidationTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationTimeout), ValidationTimeout, "ValidationTimeout must be positive or Timeout.InfiniteTimeSpan.");
        }
    }
}

/// <summary>Defaults of <see cref="JsonSchemaValidatorOptions"/>.</summary>
public static class JsonSchemaValidatorConstants
{
    /// <summary>The default of <see cref="JsonSchemaValidatorOptions.MaxErrors"/>: 50.</summary>
    public const int DefaultMaxErrors = 50;

    /// <summary>The default of <see cref="JsonSchemaValidatorOptions.RegexTimeout"/>: 100 ms.</summary>
    public static readonly TimeSpan DefaultRegexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The default of <see cref="JsonSchemaValidatorOptions.ValidationTimeout"/>: 1 second.</summary>
    public static readonly TimeSpan DefaultValidationTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How deep <c>$ref</c> chains may nest during one validation before the instance is reported invalid: 256.</summary>
    public const int MaxEvaluationDepth = 256;
}
