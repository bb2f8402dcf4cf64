namespace LlmKit.Resilience.RateLimiting;

/// <summary>The defaults of the resilience stage's local limiters.</summary>
public static class RateLimitingConstants
{
    /// <summary>The default number of calls that may wait for a concurrency permit: 100.</summary>
    public const int DefaultQueueLimit = 100;

    /// <summary>The default longest wait for token-rate capacity before a call is rejected locally: 30 seconds.</summary>
    public static readonly TimeSpan DefaultMaxQueueDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Characters per token assumed by the estimate used when no <see cref="LlmKit.Tokens.IChatTokenCounter"/> is
    /// registered: 3. English averages about 4 characters per token; 3 errs high so the limiter stays on the safe side.
    /// </summary>
    public const int EstimatedCharactersPerToken = 3;

    /// <summary>Tokens added per message by the estimate for role markers and framing: 4.</summary>
    public const int EstimatedTokensPerMessage = 4;
}
