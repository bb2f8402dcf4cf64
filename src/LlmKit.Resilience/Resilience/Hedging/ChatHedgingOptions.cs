using System.ComponentModel.DataAnnotations;

namespace LlmKit.Resilience.Hedging;

/// <summary>
/// Hedging for tail latency: when an attempt has not answered after <see cref="Delay"/>, a second identical attempt
/// starts; the first success wins and the other attempt is cancelled.
/// </summary>
/// <remarks>
/// Off by default because a hedge may be billed twice. Hedged attempts draw on the same retry budget as retries, so
/// hedging adds at most <see cref="LlmKit.Resilience.Retry.ChatRetryOptions.RetryBudgetRatio"/> extra load, and a failed
/// attempt starts the next hedge at once. Streaming calls are not hedged: the first update already reached the caller
/// by the time a loser would be known.
/// </remarks>
public sealed class ChatHedgingOptions
{
    /// <summary>Gets or sets a value indicating whether non-streaming calls are hedged.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets how long an attempt may run before a hedged attempt starts; set it near your p95 latency.</summary>
    /// <value>The default value is 10 seconds (<see cref="HedgingConstants.DefaultDelay"/>).</value>
    public TimeSpan Delay { get; set; } = HedgingConstants.DefaultDelay;

    /// <summary>Gets or sets the number of hedged attempts besides the first.</summary>
    /// <value>The default value is 1 (<see cref="HedgingConstants.DefaultMaxHedgedAttempts"/>).</value>
    [Range(1, HedgingConstants.MaxHedgedAttempts)]
    public int MaxHedgedAttempts { get; set; } = HedgingConstants.DefaultMaxHedgedAttempts;
}
