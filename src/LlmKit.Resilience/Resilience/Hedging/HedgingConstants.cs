namespace LlmKit.Resilience.Hedging;

/// <summary>The defaults of <see cref="ChatHedgingOptions"/>.</summary>
public static class HedgingConstants
{
    /// <summary>The default wait before a hedged attempt: 10 seconds, near the 95th percentile of a typical chat call.</summary>
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(10);

    /// <summary>The default number of hedged attempts besides the first: 1.</summary>
    public const int DefaultMaxHedgedAttempts = 1;

    /// <summary>The largest accepted <see cref="ChatHedgingOptions.MaxHedgedAttempts"/>: 5.</summary>
    public const int MaxHedgedAttempts = 5;
}
