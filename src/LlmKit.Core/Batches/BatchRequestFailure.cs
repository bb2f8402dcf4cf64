using LlmKit.Errors;

namespace LlmKit.Batches;

/// <summary>Why one request of a batch has no answer.</summary>
public enum BatchFailureKind
{
    /// <summary>The provider ran the request and it failed; <see cref="BatchRequestFailure.Error"/> carries the translated error.</summary>
    Errored,

    /// <summary>The batch expired before the request ran.</summary>
    Expired,

    /// <summary>The batch was cancelled before the request ran.</summary>
    Cancelled,

    /// <summary>The batch as a whole failed (its input was rejected), so no request ran.</summary>
    BatchFailed,

    /// <summary>The batch ended but its results hold no line for the request (or only a line that could not be read).</summary>
    NotReturned,
}

/// <summary>Why one request of a batch has no answer.</summary>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Message">A sentence for logs and people.</param>
public sealed record BatchRequestFailure(BatchFailureKind Kind, string Message)
{
    /// <summary>Gets the provider's error translated as the chat client would (kind, status, provider code), for <see cref="BatchFailureKind.Errored"/>.</summary>
    public LlmException? Error { get; init; }

    /// <summary>Gets the error kind: the <see cref="Error"/>'s, <see cref="LlmErrorKind.Timeout"/> for an expired request, <see langword="null"/> otherwise.</summary>
    public LlmErrorKind? ErrorKind => Error?.Kind ?? (Kind == BatchFailureKind.Expired ? LlmErrorKind.Timeout : null);

    /// <inheritdoc />
    public override string ToString() => $"{Kind}: {Message}";
}
