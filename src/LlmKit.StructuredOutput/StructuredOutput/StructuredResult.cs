using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace LlmKit.StructuredOutput;

/// <summary>
/// The outcome of asking a model for a <typeparamref name="T"/>: either the validated <see cref="Value"/>, or a
/// <see cref="Failure"/> that says why not. Usage is summed over every attempt.
/// </summary>
/// <typeparam name="T">The requested type.</typeparam>
public sealed class StructuredResult<T>
{
    private readonly T? _value;

    internal StructuredResult(
        T? value, StructuredOutputFailure? failure, UsageDetails usage, int attempts, StructuredOutputStrategy strategy, ChatResponse? lastResponse,
        IReadOnlyList<StructuredOutputRejection> rejections)
    {
        _value = value;
        Rejections = rejections;
        Failure = failure;
        Usage = usage;
        Attempts = attempts;
        Strategy = strategy;
        LastResponse = lastResponse;
    }

    /// <summary>Gets a value indicating whether a validated value was produced.</summary>
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsSuccess => Failure is null;

    /// <summary>Gets the validated value.</summary>
    /// <exception cref="InvalidOperationException">The call failed; the message states the <see cref="Failure"/>.</exception>
    public T Value => IsSuccess ? _value! : throw new InvalidOperationException($"No {typeof(T).Name} was produced. {Failure}");

    /// <summary>Gets why no value was produced, or <see langword="null"/> on success.</summary>
    public StructuredOutputFailure? Failure { get; }

    /// <summary>Gets the token usage summed over all attempts.</summary>
    public UsageDetails Usage { get; }

    /// <summary>Gets how many model calls were made.</summary>
    public int Attempts { get; }

    /// <summary>Gets the strategy that was used.</summary>
    public StructuredOutputStrategy Strategy { get; }

    /// <summary>Gets the model's last response, when there was one.</summary>
    public ChatResponse? LastResponse { get; }

    /// <summary>
    /// Gets every answer that was not accepted, in order, with what was wrong with it: on success, the attempts that
    /// were corrected (worth logging: they show where prompts or types confuse the model); on failure, all of them.
    /// </summary>
    public IReadOnlyList<StructuredOutputRejection> Rejections { get; }

    /// <summary>Returns the value when there is one.</summary>
    /// <param name="value">The value, on success.</param>
    /// <returns><see langword="true"/> on success.</returns>
    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = _value;
        return IsSuccess;
    }

    /// <inheritdoc />
    public override string ToString() => IsSuccess ? $"Success after {Attempts} attempt(s)" : Failure.ToString();
}

/// <summary>An answer <c>GetObjectAsync</c> did not accept.</summary>
/// <param name="Attempt">The attempt (1-based) that produced it.</param>
/// <param name="RawOutput">The answer as the model gave it.</param>
/// <param name="Errors">What was wrong: the errors that were sent back, or that ended the call.</param>
public sealed record StructuredOutputRejection(int Attempt, string RawOutput, IReadOnlyList<Schema.JsonSchemaError> Errors)
{
    /// <summary>
    /// Gets the exception that rejected the answer, when code rather than the schema did: the type's constructor, a setter
    /// or converter while it was read, or a validation that threw. Worth logging: it may be a bug rather than the model's.
    /// </summary>
    public Exception? Exception { get; init; }
}
