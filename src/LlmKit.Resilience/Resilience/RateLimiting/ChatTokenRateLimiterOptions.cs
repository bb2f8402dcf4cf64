using System.ComponentModel.DataAnnotations;

namespace LlmKit.Resilience.RateLimiting;

/// <summary>
/// Keeps one client under a tokens-per-minute limit, the way providers meter usage, by pacing attempts before they are
/// sent instead of collecting 429s.
/// </summary>
/// <remarks>
/// <para>
/// Each attempt costs its input tokens plus <c>ChatOptions.MaxOutputTokens</c> when set (providers reserve the
/// output allowance too). Input tokens come from the <see cref="LlmKit.Tokens.IChatTokenCounter"/> registered in
/// DI; without one, from an estimate that errs high: text characters ÷ 3 plus 4 per message
/// (<see cref="RateLimitingConstants"/>).
/// </para>
/// <para>
/// The bucket holds one minute of tokens and refills continuously. An attempt that would have to wait longer than
/// <see cref="MaxQueueDelay"/> fails with a local <see cref="LlmKit.Errors.LlmErrorKind.RateLimited"/> error whose
/// <c>RetryAfter</c> says when capacity frees up; a call larger than the whole bucket is charged the bucket size.
/// </para>
/// </remarks>
public sealed class ChatTokenRateLimiterOptions
{
    /// <summary>Gets or sets the tokens per minute the client may send.</summary>
    /// <value>The default value is <see langword="null"/>: no limit.</value>
    [Range(1, int.MaxValue)]
    public int? TokensPerMinute { get; set; }

    /// <summary>Gets or sets the longest an attempt waits for capacity.</summary>
    /// <value>The default value is 30 seconds (<see cref="RateLimitingConstants.DefaultMaxQueueDelay"/>).</value>
    public TimeSpan MaxQueueDelay { get; set; } = RateLimitingConstants.DefaultMaxQueueDelay;
}
