namespace LlmKit.Usage;

/// <summary>Settings of the usage ledger stage, bound from <c>LlmKit:Usage</c>.</summary>
public sealed class UsageLedgerOptions
{
    /// <summary>Gets or sets a value indicating whether failed and cancelled calls are recorded too.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    /// <remarks>
    /// Failed calls usually bill nothing, but a stream cut off mid-way may have billed its output so far; keeping them
    /// makes error rates visible next to spend.
    /// </remarks>
    public bool RecordFailedCalls { get; set; } = true;
}
