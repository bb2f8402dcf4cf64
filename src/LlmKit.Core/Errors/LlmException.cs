namespace LlmKit.Errors;

/// <summary>
/// The one exception type every LlmKit provider and stage uses to report a failed model call.
/// </summary>
/// <remarks>
/// Providers translate transport and API failures into this type so that retry, fallback and circuit-breaking
/// policies can decide on <see cref="Kind"/> and <see cref="IsTransient"/> alone. The message never contains
/// credentials.
/// </remarks>
public class LlmException : Exception
{
    /// <summary>Initializes a new instance with a kind and a message.</summary>
    /// <param name="kind">Why the call failed.</param>
    /// <param name="message">A human-readable description. Must not contain secrets.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public LlmException(LlmErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Initializes a new instance of <see cref="LlmException"/> with <see cref="LlmErrorKind.Unknown"/>.</summary>
    public LlmException()
        : this(LlmErrorKind.Unknown, "The model call failed.")
    {
    }

    /// <summary>Initializes a new instance of <see cref="LlmException"/> with <see cref="LlmErrorKind.Unknown"/>.</summary>
    /// <param name="message">A human-readable description.</param>
    public LlmException(string message)
        : this(LlmErrorKind.Unknown, message)
    {
    }

    /// <summary>Initializes a new instance of <see cref="LlmException"/> with <see cref="LlmErrorKind.Unknown"/>.</summary>
    /// <param name="message">A human-readable description.</param>
    /// <param name="innerException">The underlying exception.</param>
    public LlmException(string message, Exception? innerException)
        : this(LlmErrorKind.Unknown, message, innerException)
    {
    }

    /// <summary>Gets why the call failed.</summary>
    public LlmErrorKind Kind { get; }

    /// <summary>Gets the HTTP status code the provider answered with, when there was an HTTP response.</summary>
    public int? StatusCode { get; init; }

    /// <summary>
    /// Gets how long the provider asked the caller to wait before trying again (from <c>Retry-After</c> or the
    /// provider's rate-limit reset headers), when it said so.
    /// </summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the provider's request id (for example <c>x-request-id</c> or <c>request-id</c>), for support tickets.</summary>
    public string? RequestId { get; init; }

    /// <summary>Gets the model the failed call was addressed to, when known.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the provider name (for example <c>openai</c> or <c>anthropic</c>), when known.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the provider's own error code or type (for example <c>rate_limit_exceeded</c>), when it sent one.</summary>
    public string? ProviderErrorCode { get; init; }

    /// <summary>
    /// Gets the account identifier the provider named in its error (an OpenAI organization such as <c>org-…</c> or
    /// project <c>proj_…</c>, an Anthropic organization id), for support tickets.
    /// </summary>
    /// <remarks>
    /// Account identifiers are kept out of <see cref="Exception.Message"/>, which ends up in logs, traces and error
    /// pages; they are only here, where a caller chooses to read them.
    /// </remarks>
    public string? ProviderAccountId { get; init; }

    /// <summary>
    /// Gets why a failure of a normally transient kind cannot succeed by sending the same call again, when the
    /// provider's answer shows that; <see langword="null"/> otherwise.
    /// </summary>
    public LlmNonRetryableReason? NonRetryableReason { get; init; }

    /// <summary>
    /// Gets a value indicating whether trying the same call again later can succeed: rate limits, overload,
    /// server errors, timeouts and network failures, unless <see cref="NonRetryableReason"/> says otherwise.
    /// </summary>
    public bool IsTransient => IsTransientKind(Kind) && NonRetryableReason is null;

    /// <summary>Returns whether failures of <paramref name="kind"/> are transient.</summary>
    /// <param name="kind">The error kind.</param>
    /// <returns><see langword="true"/> for kinds that a retry can fix.</returns>
    public static bool IsTransientKind(LlmErrorKind kind) => kind is
        LlmErrorKind.RateLimited or LlmErrorKind.Overloaded or LlmErrorKind.ServerError or
        LlmErrorKind.Timeout or LlmErrorKind.Network;

    /// <summary>
    /// Maps an HTTP status code to the error kind LlmKit uses for it, for providers and proxies that only
    /// give a status.
    /// </summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <returns>The error kind.</returns>
    public static LlmErrorKind KindFromStatusCode(int statusCode) => statusCode switch
    {
        400 or 422 => LlmErrorKind.BadRequest,
        401 => LlmErrorKind.Authentication,
        403 => LlmErrorKind.PermissionDenied,
        404 => LlmErrorKind.NotFound,
        408 => LlmErrorKind.Timeout,
        413 => LlmErrorKind.ContextLengthExceeded,
        429 => LlmErrorKind.RateLimited,
        503 or 529 => LlmErrorKind.Overloaded,
        504 => LlmErrorKind.Timeout,
        >= 500 and < 600 => LlmErrorKind.ServerError,
        _ => LlmErrorKind.Unknown,
    };
}
