namespace LlmKit.Resilience.Retry;

/// <summary>The defaults and limits of <see cref="ChatRetryOptions"/>.</summary>
public static class RetryConstants
{
    /// <summary>The default number of retries after the first attempt: 3.</summary>
    public const int DefaultMaxRetryAttempts = 3;

    /// <summary>The largest accepted <see cref="ChatRetryOptions.MaxRetryAttempts"/>: 10.</summary>
    public const int MaxRetryAttempts = 10;

    /// <summary>The default base of the exponential backoff: 2 seconds.</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(2);

    /// <summary>The default cap on one backoff delay (before jitter): 30 seconds.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>The default cap on the sum of all delays of one logical call: 60 seconds.</summary>
    public static readonly TimeSpan DefaultMaxTotalDelay = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The default share of recent calls the retry budget lets retry: 12%, enough to retry every failure at a 10%
    /// transient error rate (which needs 1/0.9 − 1 ≈ 11%) while a total outage stays under 1.2 attempts per call.
    /// </summary>
    public const double DefaultRetryBudgetRatio = 0.12;

    /// <summary>
    /// The default floor of the retry budget: 0.5 retries per second (5 per 10-second window) whatever the traffic, so a
    /// quiet app's lone call can use all its retries.
    /// </summary>
    public const double DefaultRetryBudgetMinRetriesPerSecond = 0.5;

    /// <summary>The default window of the retry budget: 10 seconds.</summary>
    public static readonly TimeSpan DefaultRetryBudgetWindow = TimeSpan.FromSeconds(10);
}
