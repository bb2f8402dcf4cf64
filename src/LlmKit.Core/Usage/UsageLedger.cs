namespace LlmKit.Usage;

/// <summary>Well-known keys the usage ledger reads from responses that inner stages produce.</summary>
public static class UsageLedger
{
    /// <summary>
    /// The <see cref="Microsoft.Extensions.AI.ChatResponse.AdditionalProperties"/> key (an <see cref="int"/>) under
    /// which a resilience stage reports how many attempts an answer took: <c>llmkit.attempts</c>. Streaming stages
    /// report it on any update.
    /// </summary>
    public const string AttemptCountKey = "llmkit.attempts";
}
