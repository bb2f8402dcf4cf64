namespace LlmKit.RateLimits;

/// <summary>
/// Counts requests and tokens per minute against a provider's limits for one key (an API key and model), shared by
/// every replica that uses the key, so that N replicas together stay under the provider's limit instead of each
/// assuming it has all of it. <see cref="InMemoryRateLimiter"/> serves one process; a limiter shared by several
/// (for example on PostgreSQL) implements the same contract.
/// </summary>
/// <remarks>
/// Both limits are counted in a sliding minute approximated by the previous fixed minute weighted by how much of it is
/// still inside the window (the "sliding window counter" many API gateways use): it never admits more than the limit
/// within any fixed minute, and within one sliding minute only as much more as the previous minute's traffic was
/// unevenly spread. Tokens are taken at their estimate before a call and corrected by <see cref="AdjustAsync"/> after it.
/// </remarks>
public interface ISharedRateLimiter
{
    /// <summary>Takes one request and its estimated tokens if both limits admit them now.</summary>
    /// <param name="request">The key, the amounts, the limits and the current time.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A permit, or when to try again.</returns>
    ValueTask<RateLimitDecision> TryAcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default);

    /// <summary>Corrects a permit's tokens by what the call actually used.</summary>
    /// <param name="permit">The permit.</param>
    /// <param name="actualTokens">The tokens actually used.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the correction is recorded.</returns>
    ValueTask AdjustAsync(RateLimitPermit permit, long actualTokens, CancellationToken cancellationToken = default);
}

/// <summary>The limits of one key. Unset limits do not apply.</summary>
/// <param name="RequestsPerMinute">Requests per minute.</param>
/// <param name="TokensPerMinute">Tokens (input plus output) per minute.</param>
public sealed record RateLimits(long? RequestsPerMinute, long? TokensPerMinute);

/// <summary>What to take from a key's limits.</summary>
/// <param name="Key">The key, for example <c>openai/prod-key/gpt-4o-mini</c>.</param>
/// <param name="Tokens">The estimated tokens of the call.</param>
/// <param name="Limits">The key's limits.</param>
/// <param name="Now">The current time.</param>
public sealed record RateLimitRequest(string Key, long Tokens, RateLimits Limits, DateTimeOffset Now);

/// <summary>A granted request, to adjust by its actual tokens later.</summary>
/// <param name="Key">The key.</param>
/// <param name="Minute">The fixed minute it was counted in.</param>
/// <param name="Tokens">The tokens taken.</param>
public sealed record RateLimitPermit(string Key, DateTimeOffset Minute, long Tokens);

/// <summary>The outcome of <see cref="ISharedRateLimiter.TryAcquireAsync"/>.</summary>
/// <param name="Permit">The permit, when granted.</param>
/// <param name="RetryAfter">When refused: how long until the window has room, at the latest.</param>
/// <param name="LimitedBy">When refused: <c>requests</c> or <c>tokens</c>.</param>
public readonly record struct RateLimitDecision(RateLimitPermit? Permit, TimeSpan RetryAfter, string? LimitedBy)
{
    /// <summary>Gets whether the request was granted.</summary>
    public bool IsAcquired => Permit is not null;
}
