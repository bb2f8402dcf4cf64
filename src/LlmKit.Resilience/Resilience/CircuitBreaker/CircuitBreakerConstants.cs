namespace LlmKit.Resilience.CircuitBreaker;

/// <summary>The defaults of <see cref="ChatCircuitBreakerOptions"/>.</summary>
public static class CircuitBreakerConstants
{
    /// <summary>The default failure ratio that opens the circuit: 0.5.</summary>
    public const double DefaultFailureRatio = 0.5;

    /// <summary>The default number of calls in the sampling window before the ratio counts: 10.</summary>
    public const int DefaultMinimumThroughput = 10;

    /// <summary>The default sampling window: 60 seconds (LLM calls are slow, so short windows see too few calls).</summary>
    public static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(60);

    /// <summary>The default time the circuit stays open before one probe is let through: 30 seconds.</summary>
    public static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(30);
}
