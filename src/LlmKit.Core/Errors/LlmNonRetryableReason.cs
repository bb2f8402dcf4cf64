namespace LlmKit.Errors;

/// <summary>
/// Why a failure of a normally transient kind (such as <see cref="LlmErrorKind.RateLimited"/>) cannot succeed when the
/// same call is sent again, so <see cref="LlmException.IsTransient"/> is <see langword="false"/> for it.
/// </summary>
/// <remarks>
/// The kind is kept, so a fallback to another model or provider, which decides on <see cref="LlmException.Kind"/>, can
/// still rescue the call: a request too large for one account's per-minute limit may fit another's.
/// </remarks>
public enum LlmNonRetryableReason
{
    /// <summary>
    /// The request alone is larger than a rate limit (for example OpenAI's <c>Request too large … Limit 2000000,
    /// Requested 2500013</c>): no wait makes it fit; only a smaller request or a larger limit does.
    /// </summary>
    RequestExceedsLimit = 1,

    /// <summary>The provider said the request should not be retried (Anthropic's and OpenAI's <c>x-should-retry: false</c>).</summary>
    ProviderAdvisedAgainstRetry,
}
