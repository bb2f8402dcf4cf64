using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.OutputGuards;

/// <summary>Why an answer was not returned: every guard that rejected it, and the rejected response for diagnosis.</summary>
public sealed class OutputGuardFailure
{
    internal OutputGuardFailure(IReadOnlyList<OutputGuardViolation> violations, ChatResponse response)
    {
        Violations = violations;
        Response = response;
    }

    /// <summary>Gets the failed checks, in guard order.</summary>
    public IReadOnlyList<OutputGuardViolation> Violations { get; }

    /// <summary>Gets the rejected response. Do not show it to the user: it failed the checks.</summary>
    public ChatResponse Response { get; }

    /// <summary>Gets a one-sentence explanation.</summary>
    public string Message => $"The answer failed {Violations.Count} output guard(s): {string.Join(", ", Violations.Select(v => v.Guard))}.";

    /// <inheritdoc />
    public override string ToString() => Message + "\n" + string.Join('\n', Violations);
}

/// <summary>
/// The output-guard stage rejected an answer. An <see cref="LlmException"/> of kind
/// <see cref="LlmErrorKind.ContentFiltered"/>, so resilience does not retry it; use
/// <see cref="OutputGuardChatClientExtensions.GetGuardedResponseAsync(IChatClient, IEnumerable{ChatMessage}, ChatOptions?, IReadOnlyList{OutputGuard}?, CancellationToken)"/>
/// to get a <see cref="GuardedResponse"/> instead.
/// </summary>
public sealed class OutputGuardException : LlmException
{
    /// <summary>Initializes a new instance of the <see cref="OutputGuardException"/> class.</summary>
    /// <param name="failure">Why.</param>
    public OutputGuardException(OutputGuardFailure failure)
        : base(LlmErrorKind.ContentFiltered, failure?.Message ?? "The answer failed an output guard.")
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
        Model = failure.Response.ModelId;
    }

    /// <summary>Initializes a new instance of the <see cref="OutputGuardException"/> class.</summary>
    public OutputGuardException()
        : base(LlmErrorKind.ContentFiltered, "The answer failed an output guard.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OutputGuardException"/> class.</summary>
    /// <param name="message">The message.</param>
    public OutputGuardException(string message)
        : base(LlmErrorKind.ContentFiltered, message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="OutputGuardException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public OutputGuardException(string message, Exception innerException)
        : base(LlmErrorKind.ContentFiltered, message, innerException)
    {
    }

    /// <summary>Gets why the answer was rejected; <see langword="null"/> only when constructed without one.</summary>
    public OutputGuardFailure? Failure { get; }
}
