namespace LlmKit.Resilience.Timeout;

/// <summary>The time limits of the resilience stage.</summary>
/// <remarks>
/// An attempt that runs past <see cref="AttemptTimeout"/> is cancelled and fails as a transient
/// <see cref="LlmKit.Errors.LlmErrorKind.Timeout"/>, so it may be retried. The total deadline is published to inner
/// stages and the provider as the call's cancellation token and as <see cref="ChatDeadline"/> in
/// <c>ChatOptions.AdditionalProperties</c>; when it passes, the call fails with a
/// <see cref="LlmKit.Errors.LlmErrorKind.Timeout"/> that is not retried.
/// </remarks>
public sealed class ChatTimeoutOptions
{
    /// <summary>
    /// Gets or sets the limit of one attempt. For a streaming call it bounds the wait for the first update (time to
    /// first token); once text flows, <see cref="StreamIdleTimeout"/> and the total deadline apply instead.
    /// </summary>
    /// <value>The default value is 120 seconds (<see cref="TimeoutConstants.DefaultAttemptTimeout"/>). <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.</value>
    public TimeSpan AttemptTimeout { get; set; } = TimeoutConstants.DefaultAttemptTimeout;

    /// <summary>
    /// Gets or sets the longest a stream may go without an update once its first update arrived. A stall after that
    /// point fails the call with <see cref="LlmKit.Errors.LlmErrorKind.Timeout"/> and is not retried, since text has
    /// already reached the caller.
    /// </summary>
    /// <value>The default value is 60 seconds (<see cref="TimeoutConstants.DefaultStreamIdleTimeout"/>). <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.</value>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeoutConstants.DefaultStreamIdleTimeout;

    /// <summary>Gets or sets the deadline of the whole logical call: every attempt, every delay, and a streamed body.</summary>
    /// <value>The default value is 300 seconds (<see cref="TimeoutConstants.DefaultTotalTimeout"/>). <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.</value>
    public TimeSpan TotalTimeout { get; set; } = TimeoutConstants.DefaultTotalTimeout;
}
