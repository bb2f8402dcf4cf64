using System.ComponentModel.DataAnnotations;
using LlmKit.Errors;
using LlmKit.Resilience.CircuitBreaker;
using LlmKit.Resilience.Fallback;
using LlmKit.Resilience.Hedging;
using LlmKit.Resilience.RateLimiting;
using LlmKit.Resilience.Retry;
using LlmKit.Resilience.Timeout;

namespace LlmKit.Resilience;

/// <summary>
/// Settings of the resilience stage of one named client, bound from <c>LlmKit:Resilience:&lt;client&gt;</c> and
/// validated when the host starts. Every default is sized for LLM calls (seconds to minutes, rate-limited, billed),
/// not for 50 ms RPCs.
/// </summary>
/// <remarks>
/// For each call the stage applies, outermost first: the concurrency limiter, the total deadline, retries (with the
/// client-wide retry budget), hedging, the per-model circuit breaker, the token rate limiter and the per-attempt
/// timeout; when all of that fails for infrastructure reasons, the fallback chain.
/// </remarks>
public sealed class ResilienceOptions : LlmKit.DependencyInjection.IValidatableOptions
{
    /// <summary>Gets or sets the retry settings.</summary>
    /// <value>The default value is a <see cref="ChatRetryOptions"/> with its defaults: 3 retries, 2 s base, 10% budget.</value>
    public ChatRetryOptions Retry { get; set; } = new();

    /// <summary>Gets or sets the per-attempt timeout and the total deadline.</summary>
    /// <value>The default value is a <see cref="ChatTimeoutOptions"/> with its defaults: 120 s per attempt, 300 s in all.</value>
    public ChatTimeoutOptions Timeout { get; set; } = new();

    /// <summary>Gets or sets the per-model circuit breaker settings.</summary>
    /// <value>The default value is a <see cref="ChatCircuitBreakerOptions"/> with its defaults: on, 50% of at least 10 calls in 60 s.</value>
    public ChatCircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>Gets or sets the hedging settings.</summary>
    /// <value>The default value is a <see cref="ChatHedgingOptions"/> with its defaults: off.</value>
    public ChatHedgingOptions Hedging { get; set; } = new();

    /// <summary>Gets or sets the fallback chain.</summary>
    /// <value>The default value is an empty <see cref="ChatFallbackOptions"/>: no fallback.</value>
    public ChatFallbackOptions Fallback { get; set; } = new();

    /// <summary>Gets or sets the concurrency limiter settings.</summary>
    /// <value>The default value is a <see cref="ChatConcurrencyLimiterOptions"/> with no limit.</value>
    public ChatConcurrencyLimiterOptions ConcurrencyLimiter { get; set; } = new();

    /// <summary>Gets or sets the token rate limiter settings.</summary>
    /// <value>The default value is a <see cref="ChatTokenRateLimiterOptions"/> with no limit.</value>
    public ChatTokenRateLimiterOptions TokenRateLimiter { get; set; } = new();

    /// <summary>Gets or sets the source of uniform random numbers in [0, 1) used for backoff jitter.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="Random.Shared"/>. Tests set a fixed sequence.</value>
    public Func<double>? Randomizer { get; set; }

    /// <summary>Returns every problem with these options (annotations included), each naming its key under <paramref name="section"/>.</summary>
    internal List<string> Validate(string section) => LlmKit.DependencyInjection.OptionsValidation.Validate(this, section);

    /// <summary>The rules DataAnnotations cannot state: one setting against another.</summary>
    IEnumerable<string> LlmKit.DependencyInjection.IValidatableOptions.Validate(string section)
    {
        var failures = new List<string>();

        NonNegative(Retry.BaseDelay, "Retry:BaseDelay");
        NonNegative(Retry.MaxDelay, "Retry:MaxDelay");
        NonNegative(Retry.MaxTotalDelay, "Retry:MaxTotalDelay");
        if (Retry.MaxDelay < Retry.BaseDelay)
        {
            failures.Add($"{section}:Retry:MaxDelay ({Retry.MaxDelay}) must not be shorter than Retry:BaseDelay ({Retry.BaseDelay}).");
        }

        // Checked here rather than with [Range(typeof(TimeSpan), …)], whose string parsing is not trimming-safe.
        if (Retry.RetryBudgetWindow < TimeSpan.FromSeconds(1) || Retry.RetryBudgetWindow > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:Retry:RetryBudgetWindow ({Retry.RetryBudgetWindow}) must be between 00:00:01 and 01:00:00.");
        }

        PositiveOrInfinite(Timeout.AttemptTimeout, "Timeout:AttemptTimeout");
        PositiveOrInfinite(Timeout.TotalTimeout, "Timeout:TotalTimeout");
        PositiveOrInfinite(Timeout.StreamIdleTimeout, "Timeout:StreamIdleTimeout");
        if (Timeout.TotalTimeout != System.Threading.Timeout.InfiniteTimeSpan &&
            (Timeout.AttemptTimeout == System.Threading.Timeout.InfiniteTimeSpan || Timeout.AttemptTimeout > Timeout.TotalTimeout))
        {
            failures.Add($"{section}:Timeout:AttemptTimeout ({Timeout.AttemptTimeout}) must not be longer than Timeout:TotalTimeout ({Timeout.TotalTimeout}).");
        }

        AtLeastHalfSecond(CircuitBreaker.SamplingDuration, "CircuitBreaker:SamplingDuration");
        AtLeastHalfSecond(CircuitBreaker.BreakDuration, "CircuitBreaker:BreakDuration");

        if (Hedging.Delay <= TimeSpan.Zero)
        {
            failures.Add($"{section}:Hedging:Delay must be positive, but was {Hedging.Delay}.");
        }
        else if (Hedging.Enabled && Timeout.AttemptTimeout != System.Threading.Timeout.InfiniteTimeSpan && Hedging.Delay >= Timeout.AttemptTimeout)
        {
            failures.Add($"{section}:Hedging:Delay ({Hedging.Delay}) must be shorter than Timeout:AttemptTimeout ({Timeout.AttemptTimeout}), or no hedge would ever start.");
        }

        if (TokenRateLimiter.MaxQueueDelay < TimeSpan.Zero)
        {
            failures.Add($"{section}:TokenRateLimiter:MaxQueueDelay must not be negative, but was {TokenRateLimiter.MaxQueueDelay}.");
        }

        foreach (var kind in Fallback.FailureKinds)
        {
            if (kind is LlmErrorKind.ContentFiltered or LlmErrorKind.BadRequest or LlmErrorKind.ContextLengthExceeded)
            {
                failures.Add($"{section}:Fallback:FailureKinds must not contain {kind}: it is about the request or the content, not the infrastructure, and would fail the same way elsewhere.");
            }
        }

        foreach (string name in Fallback.ClientNames)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                failures.Add($"{section}:Fallback:ClientNames must not contain empty names.");
            }
        }

        if (Fallback.DegradedResponseText is { } text && string.IsNullOrWhiteSpace(text))
        {
            failures.Add($"{section}:Fallback:DegradedResponseText must not be empty or white space when it is set.");
        }

        return failures;


        void NonNegative(TimeSpan value, string key)
        {
            if (value < TimeSpan.Zero)
            {
                failures.Add($"{section}:{key} must not be negative, but was {value}.");
            }
        }

        void PositiveOrInfinite(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero && value != System.Threading.Timeout.InfiniteTimeSpan)
            {
                failures.Add($"{section}:{key} must be positive (or Timeout.InfiniteTimeSpan), but was {value}.");
            }
        }

        void AtLeastHalfSecond(TimeSpan value, string key)
        {
            if (value < TimeSpan.FromMilliseconds(500))
            {
                failures.Add($"{section}:{key} must be at least 0.5 seconds, but was {value}.");
            }
        }
    }
}
