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

    internal StructuredResult(T? value, StructuredOutputFailure? failure, UsageDetails usage, int attempts, StructuredOutputStrategy strategy, ChatResponse? lastResponse)
    {
        _value = value;
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
