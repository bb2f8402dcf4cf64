using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmKit.StructuredOutput;

/// <summary>
/// Options for <c>GetObjectAsync</c> and <c>StreamObjectAsync</c>: pass them per call, or register app-wide defaults with
/// <c>AddStructuredOutput</c>, which every call that passes none then uses.
/// </summary>
public sealed class StructuredOutputOptions
{
    /// <summary>Gets or sets how the model is asked for JSON.</summary>
    /// <value>The default value is <see cref="StructuredOutputStrategy.Auto"/>.</value>
    public StructuredOutputStrategy Strategy { get; set; } = StructuredOutputStrategy.Auto;

    /// <summary>Gets or sets the most model calls made for one object, counting the first.</summary>
    /// <value>The default value is 3 (<see cref="StructuredOutputConstants.DefaultMaxAttempts"/>).</value>
    /// <remarks>After an invalid answer, the answer and its validation errors are sent back as the next turn. Refusals are never retried.</remarks>
    [Range(1, StructuredOutputConstants.MaxAttemptsLimit)]
    public int MaxAttempts { get; set; } = StructuredOutputConstants.DefaultMaxAttempts;

    /// <summary>Gets or sets a value indicating whether the strict schema form is sent when the provider supports it and the type has one.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseStrictSchema { get; set; } = true;

    /// <summary>
    /// Gets or sets the output-token limit of one extra call made when an answer is cut off at the limit; when
    /// <see langword="null"/>, a truncated answer is a <see cref="StructuredOutputFailureKind.Truncated"/> failure at once.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no truncation retry): a longer answer costs more, so it is opt-in.</value>
    [Range(1, int.MaxValue)]
    public int? TruncationRetryMaxOutputTokens { get; set; }

    /// <summary>Gets or sets a value indicating whether a model's habits are repaired (code fences, a sentence around the JSON, trailing commas) when the repair is unambiguous.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RepairJson { get; set; } = true;

    /// <summary>
    /// Gets or sets the most time spent validating answers in one call, all attempts together (schema, patterns,
    /// deserialization and DataAnnotations). When it runs out, the call ends with an
    /// <see cref="StructuredOutputFailureKind.Invalid"/> failure whose error has the keyword <c>timeout</c>, and no further attempt is made.
    /// </summary>
    /// <value>The default value is 2 seconds (<see cref="StructuredOutputConstants.DefaultValidationTimeout"/>); <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</value>
    /// <remarks>
    /// An ordinary answer validates in well under a millisecond; the budget caps what a degenerate or hostile answer
    /// (thousands of strings against a slow <c>pattern</c>) can cost in CPU, which the model call itself does not bound.
    /// </remarks>
    public TimeSpan ValidationTimeout { get; set; } = StructuredOutputConstants.DefaultValidationTimeout;

    /// <summary>Gets or sets the name of the tool used by <see cref="StructuredOutputStrategy.ForcedToolCall"/>.</summary>
    /// <value>The default value is <c>respond</c> (<see cref="StructuredOutputConstants.DefaultToolName"/>).</value>
    [RegularExpression("^[a-zA-Z0-9_-]{1,64}$")]
    public string ToolName { get; set; } = StructuredOutputConstants.DefaultToolName;

    /// <summary>Gets or sets the schema name sent to the provider; the type's name when <see langword="null"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    [RegularExpression("^[a-zA-Z0-9_-]{1,64}$")]
    public string? SchemaName { get; set; }

    /// <summary>Gets or sets the schema description sent to the provider; the type's <c>[Description]</c> when <see langword="null"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? SchemaDescription { get; set; }

    /// <summary>Gets or sets the chat options of each call (model, temperature, output tokens); the strategy adds to a copy.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ChatOptions? ChatOptions { get; set; }

    /// <summary>
    /// Gets or sets the serializer options used for the schema and for reading the answer (naming policy, converters,
    /// a source-generated context); <see cref="AIJsonUtilities.DefaultOptions"/> when <see langword="null"/>. Ignored
    /// by overloads that take a <c>JsonTypeInfo&lt;T&gt;</c>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>The extra check set by <see cref="WithValidation{T}"/>: a <c>Func&lt;T, IEnumerable&lt;ValidationResult&gt;&gt;</c>.</summary>
    internal Delegate? CallValidation { get; private set; }

    /// <summary>Returns a copy of these options.</summary>
    /// <returns>The copy.</returns>
    public StructuredOutputOptions Clone() => (StructuredOutputOptions)MemberwiseClone();

    /// <summary>
    /// Returns a copy that also checks every answer with <paramref name="validate"/>, after the schema and
    /// DataAnnotations: for rules that depend on the call rather than the type (cited ids must be among the sources
    /// sent, every passage scored exactly once). Its results are fed back to the model like any validation error.
    /// </summary>
    /// <typeparam name="T">The answer type; must be the <c>T</c> of the <c>GetObjectAsync&lt;T&gt;</c> call.</typeparam>
    /// <param name="validate">Returns the problems with a value, none when it is valid. <see cref="ValidationResult.MemberNames"/> become JSON Pointers.</param>
    /// <returns>The copy; these options are not changed.</returns>
    public StructuredOutputOptions WithValidation<T>(Func<T, IEnumerable<ValidationResult>> validate)
    {
        ArgumentNullException.ThrowIfNull(validate);
        var copy = Clone();
        copy.CallValidation = validate;
        return copy;
    }

    /// <summary>Throws when the options are invalid.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        // Checked by hand rather than through Validator.TryValidateObject: this runs on every call, and the
        // attributes above stay as documentation for configuration binding and tooling.
        var problems = new List<string>();
        if (MaxAttempts is < 1 or > StructuredOutputConstants.MaxAttemptsLimit)
        {
            problems.Add($"MaxAttempts must be between 1 and {StructuredOutputConstants.MaxAttemptsLimit}, but was {MaxAttempts}.");
        }

        if (TruncationRetryMaxOutputTokens is < 1)
        {
            problems.Add($"TruncationRetryMaxOutputTokens must be at least 1 when set, but was {TruncationRetryMaxOutputTokens}.");
        }

        if (!IsName(ToolName))
        {
            problems.Add($"ToolName must be 1 to 64 letters, digits, '_' or '-', but was '{ToolName}'.");
        }

        if (SchemaName is not null && !IsName(SchemaName))
        {
            problems.Add($"SchemaName must be 1 to 64 letters, digits, '_' or '-', but was '{SchemaName}'.");
        }

        if (ValidationTimeout <= TimeSpan.Zero && ValidationTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add($"ValidationTimeout must be positive or Timeout.InfiniteTimeSpan, but was {ValidationTimeout}.");
        }

        if (!Enum.IsDefined(Strategy))
        {
            problems.Add($"Strategy {(int)Strategy} is not a StructuredOutputStrategy.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid StructuredOutputOptions: " + string.Join(" ", problems));
        }
    }

    private static bool IsName(string? name)
    {
        if (name is not { Length: >= 1 and <= 64 })
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-')
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Defaults and limits of <see cref="StructuredOutputOptions"/>.</summary>
public static class StructuredOutputConstants
{
    /// <summary>The default of <see cref="StructuredOutputOptions.MaxAttempts"/>: 3.</summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>The largest <see cref="StructuredOutputOptions.MaxAttempts"/> allowed: 10.</summary>
    public const int MaxAttemptsLimit = 10;

    /// <summary>The default of <see cref="StructuredOutputOptions.ToolName"/>: <c>respond</c>.</summary>
    public const string DefaultToolName = "respond";

    /// <summary>The default of <see cref="StructuredOutputOptions.ValidationTimeout"/>: 2 seconds, answers of one call together.</summary>
    public static readonly TimeSpan DefaultValidationTimeout = TimeSpan.FromSeconds(2);
}
