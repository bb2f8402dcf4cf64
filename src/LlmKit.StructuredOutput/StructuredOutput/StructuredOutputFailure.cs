using LlmKit.Schema;

namespace LlmKit.StructuredOutput;

/// <summary>Why <c>GetObjectAsync</c> produced no value, with everything needed to diagnose it.</summary>
public sealed class StructuredOutputFailure
{
    internal StructuredOutputFailure(StructuredOutputFailureKind kind, string message, IReadOnlyList<JsonSchemaError> errors, IReadOnlyList<string> rawOutputs, string? refusal)
    {
        Kind = kind;
        Message = message;
        Errors = errors;
        RawOutputs = rawOutputs;
        Refusal = refusal;
    }

    /// <summary>Gets the kind of failure.</summary>
    public StructuredOutputFailureKind Kind { get; }

    /// <summary>Gets a one-sentence explanation.</summary>
    public string Message { get; }

    /// <summary>Gets the validation errors of the last attempt (empty unless <see cref="Kind"/> is <see cref="StructuredOutputFailureKind.Invalid"/>).</summary>
    public IReadOnlyList<JsonSchemaError> Errors { get; }

    /// <summary>Gets the raw output of every attempt, in order (text, or the tool-call arguments as JSON).</summary>
    public IReadOnlyList<string> RawOutputs { get; }

    /// <summary>Gets the model's refusal text, when <see cref="Kind"/> is <see cref="StructuredOutputFailureKind.Refused"/>.</summary>
    public string? Refusal { get; }

    /// <inheritdoc />
    public override string ToString() => Errors.Count == 0 ? $"{Kind}: {Message}" : $"{Kind}: {Message}\n{string.Join('\n', Errors)}";
}
