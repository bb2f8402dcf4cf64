using LlmKit.Errors;

namespace LlmKit.Resilience.Fallback;

/// <summary>
/// Where a call goes when its client fails for infrastructure reasons, in this order: the named clients in
/// <see cref="ClientNames"/>, then <see cref="CachedResponse"/>, then <see cref="DegradedResponseText"/>.
/// </summary>
/// <remarks>
/// A fallback runs only for infrastructure failures: the kinds in <see cref="FailureKinds"/> (transient kinds by
/// default), an open circuit and a full local limiter. It never runs because of what the model said: a refusal or a
/// truncated answer is a response, not a failure, and a content filter, a bad request or a context-length error would
/// fail the same way elsewhere. A response produced by a fallback is marked, see <see cref="FallbackResponses"/>.
/// The routing stage carries the chain out: it calls each fallback client's upstream half (its resilience, budget,
/// telemetry and ledger stages, not its head), so the fallback call is recorded once, under the same logical call,
/// and a client called as a fallback does not run its own fallback chain: chains cannot loop.
/// </remarks>
public sealed class ChatFallbackOptions
{
    /// <summary>
    /// Gets the names of other LlmKit clients to try in order (a cheaper model, another provider). Each is called
    /// through the upstream half of its pipeline, with its own retries and its own default model.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> ClientNames { get; } = [];

    /// <summary>Gets the error kinds that trigger a fallback.</summary>
    /// <value>
    /// The default value is the transient kinds: <see cref="LlmErrorKind.RateLimited"/>, <see cref="LlmErrorKind.Overloaded"/>,
    /// <see cref="LlmErrorKind.ServerError"/>, <see cref="LlmErrorKind.Timeout"/> and <see cref="LlmErrorKind.Network"/>.
    /// <see cref="LlmErrorKind.ContentFiltered"/>, <see cref="LlmErrorKind.BadRequest"/> and
    /// <see cref="LlmErrorKind.ContextLengthExceeded"/> are rejected by validation.
    /// </value>
    public ISet<LlmErrorKind> FailureKinds { get; } = new HashSet<LlmErrorKind>
    {
        LlmErrorKind.RateLimited, LlmErrorKind.Overloaded, LlmErrorKind.ServerError, LlmErrorKind.Timeout, LlmErrorKind.Network,
    };

    /// <summary>
    /// Gets or sets a source of previously stored answers (for example a cache of answers to frequent questions),
    /// asked after the fallback clients; returning <see langword="null"/> moves on.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<ChatFallbackArguments, CancellationToken, ValueTask<Microsoft.Extensions.AI.ChatResponse?>>? CachedResponse { get; set; }

    /// <summary>
    /// Gets or sets the text of a graceful-degradation answer ("The assistant is busy, please try again in a minute.")
    /// returned as the last resort instead of an exception.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: when everything failed, the original failure surfaces.</value>
    public string? DegradedResponseText { get; set; }

    internal bool HasAny => ClientNames.Count > 0 || CachedResponse is not null || DegradedResponseText is not null;
}
