namespace LlmKit.Resilience.Timeout;

/// <summary>The defaults of <see cref="ChatTimeoutOptions"/>.</summary>
public static class TimeoutConstants
{
    /// <summary>
    /// The default per-attempt timeout: 120 seconds. LLM calls routinely take 10–60 seconds and reasoning models
    /// longer, so RPC-sized timeouts would cancel healthy calls and pay for them twice.
    /// </summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The default longest gap between streamed updates once text flows: 60 seconds. Providers send tokens or
    /// keep-alives every few seconds while generating, so a minute of silence means a dead connection.
    /// </summary>
    public static readonly TimeSpan DefaultStreamIdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The default total deadline of one logical call, retries and their delays included: 300 seconds.</summary>
    public static readonly TimeSpan DefaultTotalTimeout = TimeSpan.FromSeconds(300);
}
