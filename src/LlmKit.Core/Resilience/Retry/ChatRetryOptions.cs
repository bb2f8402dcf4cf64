using System.ComponentModel.DataAnnotations;

namespace LlmKit.Resilience.Retry;

/// <summary>
/// How the resilience stage retries a failed model call. Only transient failures are retried
/// (<see cref="LlmKit.Errors.LlmException.IsTransient"/>): rate limits, overload, server errors, timeouts and network
/// failures. Refusals, content filters and bad requests never are.
/// </summary>
/// <remarks>
/// <para>
/// The delay before retry <c>n</c> (0-based) is drawn uniformly from <c>[0, min(MaxDelay, BaseDelay × 2ⁿ)]</c> ("full
/// jitter", so that many clients hit by one outage do not retry in lock step) and is then raised to the provider's
/// <c>Retry-After</c> when that is longer: a retry never comes sooner than the provider asked.
/// </para>
/// <para>
/// A retry is skipped, and the failure surfaces, when the attempts are used up, when the delays of the call would
/// exceed <see cref="MaxTotalDelay"/> (so a <c>Retry-After</c> of ten minutes ends the call at once instead of holding
/// it), or when the client's retry budget is spent.
/// </para>
/// </remarks>
public sealed class ChatRetryOptions
{
    /// <summary>Gets or sets the maximum number of retries after the first attempt.</summary>
    /// <value>The default value is 3 (<see cref="RetryConstants.DefaultMaxRetryAttempts"/>). 0 disables retries.</value>
    [Range(0, RetryConstants.MaxRetryAttempts)]
    public int MaxRetryAttempts { get; set; } = RetryConstants.DefaultMaxRetryAttempts;

    /// <summary>Gets or sets the base of the exponential backoff.</summary>
    /// <value>The default value is 2 seconds (<see cref="RetryConstants.DefaultBaseDelay"/>).</value>
    public TimeSpan BaseDelay { get; set; } = RetryConstants.DefaultBaseDelay;

    /// <summary>Gets or sets the cap on one backoff delay before jitter; a longer <c>Retry-After</c> still wins.</summary>
    /// <value>The default value is 30 seconds (<see cref="RetryConstants.DefaultMaxDelay"/>).</value>
    public TimeSpan MaxDelay { get; set; } = RetryConstants.DefaultMaxDelay;

    /// <summary>Gets or sets the cap on the sum of the delays of one logical call.</summary>
    /// <value>The default value is 60 seconds (<see cref="RetryConstants.DefaultMaxTotalDelay"/>).</value>
    /// <remarks>A retry whose delay would cross the cap is not made; the last failure surfaces instead.</remarks>
    public TimeSpan MaxTotalDelay { get; set; } = RetryConstants.DefaultMaxTotalDelay;

    /// <summary>
    /// Gets or sets the share of first attempts that may be retried, client-wide: each logical call adds this much to
    /// the client's retry budget and each retry (or hedged attempt) takes one from it.
    /// </summary>
    /// <value>The default value is 0.1 (<see cref="RetryConstants.DefaultBudgetRatio"/>): at most about 10% extra load.</value>
    /// <remarks>
    /// The budget is what keeps an outage from multiplying traffic: with every call failing, a client makes about
    /// <c>1 + BudgetRatio</c> upstream attempts per logical call instead of <c>1 + MaxRetryAttempts</c>.
    /// </remarks>
    [Range(0.0, 1.0)]
    public double BudgetRatio { get; set; } = RetryConstants.DefaultBudgetRatio;

    /// <summary>
    /// Gets or sets the size of the retry budget: the budget starts full and never holds more, so a quiet client can
    /// still retry a few calls while a busy one cannot bank thousands of retries for the next outage.
    /// </summary>
    /// <value>The default value is 10 (<see cref="RetryConstants.DefaultBudgetReserve"/>).</value>
    [Range(1, int.MaxValue)]
    public int BudgetReserve { get; set; } = RetryConstants.DefaultBudgetReserve;

    /// <summary>Gets or sets a callback invoked before each retry's delay, after it was logged and counted.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<OnChatRetryArguments, ValueTask>? OnRetry { get; set; }
}
