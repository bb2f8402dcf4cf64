namespace LlmKit.Usage;

/// <summary>How a recorded model call ended.</summary>
public enum UsageOutcome
{
    /// <summary>The model answered (whatever the finish reason).</summary>
    Succeeded = 0,

    /// <summary>The answer came from LlmKit's response cache; no tokens were billed.</summary>
    CacheHit,

    /// <summary>The call failed with an exception.</summary>
    Failed,

    /// <summary>The caller cancelled the call, or stopped reading a stream before it ended.</summary>
    Cancelled,
}
