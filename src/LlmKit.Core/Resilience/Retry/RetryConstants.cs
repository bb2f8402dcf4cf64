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

    /// <summary>The default retry budget: 10% of first attempts may be retried.</summary>
    public const double DefaultBudgetRatio = 0.1;

    /// <summary>The default retry-budget reserve, the retries available to a quiet client: 10.</summary>
    public const int DefaultBudgetReserve = 10;
}
