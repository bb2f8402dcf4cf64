using System.ComponentModel.DataAnnotations;

namespace LlmKit.Resilience.CircuitBreaker;

/// <summary>
/// The circuit breaker of the resilience stage. There is one circuit per client and model, so an outage of one model
/// does not stop calls to another model behind the same client.
/// </summary>
/// <remarks>
/// Closed: calls flow and failures are sampled. Open: calls fail at once with a transient
/// <see cref="LlmKit.Errors.LlmErrorKind.Overloaded"/> error whose <c>RetryAfter</c> is the remaining break, and
/// never reach the provider (a fallback still runs). Half-open: exactly one probe call is let through; the others keep
/// failing fast until the probe succeeds (closed) or fails (open again). Overload, server errors, timeouts and network
/// failures count as failures; rate limits do not, since a 429 says the caller is too fast, not that the model is down.
/// </remarks>
public sealed class ChatCircuitBreakerOptions
{
    /// <summary>Gets or sets a value indicating whether the circuit breaker is on.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the failure ratio in the sampling window that opens the circuit.</summary>
    /// <value>The default value is 0.5 (<see cref="CircuitBreakerConstants.DefaultFailureRatio"/>).</value>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = CircuitBreakerConstants.DefaultFailureRatio;

    /// <summary>Gets or sets the number of calls the window must hold before the ratio can open the circuit.</summary>
    /// <value>The default value is 10 (<see cref="CircuitBreakerConstants.DefaultMinimumThroughput"/>).</value>
    [Range(2, int.MaxValue)]
    public int MinimumThroughput { get; set; } = CircuitBreakerConstants.DefaultMinimumThroughput;

    /// <summary>Gets or sets the sampling window.</summary>
    /// <value>The default value is 60 seconds (<see cref="CircuitBreakerConstants.DefaultSamplingDuration"/>).</value>
    public TimeSpan SamplingDuration { get; set; } = CircuitBreakerConstants.DefaultSamplingDuration;

    /// <summary>Gets or sets how long the circuit stays open before one probe is let through.</summary>
    /// <value>The default value is 30 seconds (<see cref="CircuitBreakerConstants.DefaultBreakDuration"/>).</value>
    public TimeSpan BreakDuration { get; set; } = CircuitBreakerConstants.DefaultBreakDuration;
}
