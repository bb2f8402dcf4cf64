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
/// it), or when the client's retry budget (not the cost budget) is spent.
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
    /// Gets or sets the share of recent calls that may be retried, client-wide: the retry budget allows this many
    /// retries (and hedged attempts) per call made within <see cref="RetryBudgetWindow"/>, on top of
    /// <see cref="RetryBudgetMinRetriesPerSecond"/>.
    /// </summary>
    /// <value>The default value is 0.12 (<see cref="RetryConstants.DefaultRetryBudgetRatio"/>): at most about 12% extra load.</value>
    /// <remarks>
    /// The retry budget is what keeps an outage from multiplying traffic: with every call failing, a busy client makes
    /// about <c>1 + RetryBudgetRatio</c> upstream attempts per logical call instead of <c>1 + MaxRetryAttempts</c>.
    /// It is not the cost budget (<c>LlmKit:Budgets</c>); logs and metrics call it the retry budget.
    /// </remarks>
    [Range(0.0, 1.0)]
    public double RetryBudgetRatio { get; set; } = RetryConstants.DefaultRetryBudgetRatio;

    /// <summary>
    /// Gets or sets the retries per second the retry budget always allows, however few calls the client makes, so a
    /// quiet app retries a lone transient failure.
    /// </summary>
    /// <value>The default value is 0.5 (<see cref="RetryConstants.DefaultRetryBudgetMinRetriesPerSecond"/>): 5 retries per 10-second window.</value>
    [Range(0.0, 1_000_000.0)]
    public double RetryBudgetMinRetriesPerSecond { get; set; } = RetryConstants.DefaultRetryBudgetMinRetriesPerSecond;

    /// <summary>Gets or sets how long a call (a deposit) and a retry (a withdrawal) count against the retry budget.</summary>
    /// <value>The default value is 10 seconds (<see cref="RetryConstants.DefaultRetryBudgetWindow"/>). Valid values are 1 second to 1 hour.</value>
    public TimeSpan RetryBudgetWindow { get; set; } = RetryConstants.DefaultRetryBudgetWindow;

    /// <summary>Gets or sets a callback invoked before each retry's delay, after it was logged and counted.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<OnChatRetryArguments, ValueTask>? OnRetry { get; set; }
}
