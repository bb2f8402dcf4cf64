using System.ComponentModel.DataAnnotations;

namespace LlmKit.Resilience.RateLimiting;

/// <summary>Limits how many logical calls of one client run at once; the rest wait in a first-in, first-out queue.</summary>
/// <remarks>
/// A call that finds the queue full fails at once with <see cref="LlmKit.Errors.LlmErrorKind.RateLimited"/>
/// (<see cref="LlmKit.Errors.LlmException.Provider"/> <c>llmkit</c>), which a fallback may take but retries do not:
/// the permit covers the whole logical call, retries included.
/// </remarks>
public sealed class ChatConcurrencyLimiterOptions
{
    /// <summary>Gets or sets the number of calls that may run at once.</summary>
    /// <value>The default value is <see langword="null"/>: no limit.</value>
    [Range(1, int.MaxValue)]
    public int? PermitLimit { get; set; }

    /// <summary>Gets or sets the number of calls that may wait for a permit.</summary>
    /// <value>The default value is 100 (<see cref="RateLimitingConstants.DefaultQueueLimit"/>).</value>
    [Range(0, int.MaxValue)]
    public int QueueLimit { get; set; } = RateLimitingConstants.DefaultQueueLimit;
}
