using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.OutputGuards;

/// <summary>
/// The outcome of a guarded call: either the <see cref="Response"/> that passed every guard, or a <see cref="Failure"/>
/// that says which guards rejected it, the same shape as <c>StructuredResult&lt;T&gt;</c>.
/// </summary>
public sealed class GuardedResponse
{
    private readonly ChatResponse? _response;

    internal GuardedResponse(ChatResponse? response, OutputGuardFailure? failure)
    {
        _response = response;
        Failure = failure;
    }

    /// <summary>Gets a value indicating whether the answer passed.</summary>
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsSuccess => Failure is null;

    /// <summary>Gets the response that passed.</summary>
    /// <exception cref="InvalidOperationException">It did not pass; the message states the <see cref="Failure"/>.</exception>
    public ChatResponse Response => IsSuccess ? _response! : throw new InvalidOperationException($"The answer was rejected. {Failure}");

    /// <summary>Gets why the answer was rejected, or <see langword="null"/> when it passed.</summary>
    public OutputGuardFailure? Failure { get; }

    /// <summary>Returns the response when it passed.</summary>
    /// <param name="response">The response.</param>
    /// <returns><see langword="true"/> when it passed.</returns>
    public bool TryGetResponse([MaybeNullWhen(false)] out ChatResponse response)
    {
        response = _response;
        return IsSuccess;
    }

    /// <inheritdoc />
    public override string ToString() => IsSuccess ? "Passed" : Failure.ToString();
}
