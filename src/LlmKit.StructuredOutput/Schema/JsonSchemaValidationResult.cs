namespace LlmKit.Schema;

/// <summary>The outcome of <see cref="JsonSchemaValidator.Validate(System.Text.Json.JsonElement)"/>.</summary>
public sealed class JsonSchemaValidationResult
{
    internal static readonly JsonSchemaValidationResult Valid = new([]);

    internal JsonSchemaValidationResult(IReadOnlyList<JsonSchemaError> errors, bool timedOut = false)
    {
        Errors = errors;
        TimedOut = timedOut;
    }

    /// <summary>
    /// Gets a value indicating whether validation stopped because its time budget
    /// (<see cref="JsonSchemaValidatorOptions.ValidationTimeout"/>) ran out: the value is then not valid, and
    /// <see cref="Errors"/> holds one error with the keyword <c>timeout</c>.
    /// </summary>
    public bool TimedOut { get; }

    /// <summary>Gets a value indicating whether the instance satisfies the schema.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Gets every problem found, in document order of the schema walk; empty when <see cref="IsValid"/>.</summary>
    public IReadOnlyList<JsonSchemaError> Errors { get; }

    /// <summary>
    /// Returns the errors as one line each (<c>/age: Must be at most 130, but is 200.</c>), the form LlmKit feeds
    /// back to a model.
    /// </summary>
    /// <returns>The errors, one per line; empty when valid.</returns>
    public override string ToString() => string.Join('\n', Errors);
}
