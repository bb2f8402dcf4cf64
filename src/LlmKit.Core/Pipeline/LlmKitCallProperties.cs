using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>
/// Every key LlmKit reads or writes in <c>AdditionalProperties</c> — of a call's <see cref="ChatOptions"/>, of a
/// <see cref="ChatMessage"/>, of a <see cref="ChatResponse"/> or <see cref="ChatResponseUpdate"/> — in one place,
/// one spelling (<c>llmkit.</c> followed by snake_case), typed.
/// </summary>
/// <remarks>
/// <para>
/// Stages pass settings inward through the call's options; nothing ever flows back out through them. Providers and
/// the response cache use <see cref="IsLlmKitKey"/>, the one filter, so that no LlmKit key reaches a provider's wire
/// format or a cache key: a tenant id would leak, and an API that rejects unknown fields would fail the call.
/// </para>
/// <para>
/// Stages never write into the caller's options object: they clone first (see <see cref="ChatOptions.Clone"/>).
/// </para>
/// </remarks>
public static class LlmKitCallProperties
{
    /// <summary>The prefix of every LlmKit key: <c>llmkit.</c> (compared case-insensitively).</summary>
    public const string Prefix = "llmkit.";

    // Who the call is for (CallerTags).

    /// <summary>The tenant billed for the call (<see cref="CallerTags.Tenant"/>): <c>llmkit.tenant</c>.</summary>
    public static readonly LlmKitPropertyKey<string> Tenant = new("llmkit.tenant");

    /// <summary>The product feature that made the call (<see cref="CallerTags.Feature"/>): <c>llmkit.feature</c>.</summary>
    public static readonly LlmKitPropertyKey<string> Feature = new("llmkit.feature");

    /// <summary>The caller's request id (<see cref="CallerTags.RequestId"/>): <c>llmkit.request_id</c>.</summary>
    public static readonly LlmKitPropertyKey<string> RequestId = new("llmkit.request_id");

    // Settings a call carries.

    /// <summary>
    /// Opts a call in to the response cache whatever its temperature (<see langword="true"/>) or out of it
    /// (<see langword="false"/>): <c>llmkit.cache</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<bool> ResponseCaching = new("llmkit.cache");

    /// <summary>The call's prompt version, part of its cache key: <c>llmkit.prompt_version</c>.</summary>
    public static readonly LlmKitPropertyKey<string> PromptVersion = new("llmkit.prompt_version");

    /// <summary>
    /// Makes the call idempotent under a caller-supplied key (set it with <c>WithIdempotencyKey</c>): a repeat within the
    /// retention returns the first answer instead of calling the model again: <c>llmkit.idempotency_key</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<string> IdempotencyKey = new("llmkit.idempotency_key");

    /// <summary>
    /// The call's total deadline, set by the resilience stage for the stages and provider inside it:
    /// <c>llmkit.deadline</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<DateTimeOffset> Deadline = new("llmkit.deadline");

    /// <summary>
    /// Asks the provider to enforce a JSON schema response format strictly (constrained decoding, OpenAI
    /// <c>strict: true</c>): <c>llmkit.strict_json_schema</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<bool> StrictJsonSchema = new("llmkit.strict_json_schema");

    /// <summary>
    /// The Anthropic provider's extended-thinking budget for this call, in tokens (0 turns thinking off):
    /// <c>llmkit.anthropic.thinking_budget_tokens</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<int> AnthropicThinkingBudgetTokens = new("llmkit.anthropic.thinking_budget_tokens");

    /// <summary>
    /// On a <see cref="ChatMessage"/>: puts an Anthropic prompt-cache breakpoint after that message:
    /// <c>llmkit.anthropic.cache_breakpoint</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<bool> AnthropicCacheBreakpoint = new("llmkit.anthropic.cache_breakpoint");

    /// <summary>
    /// On a <see cref="ChatMessage"/> of a conversation: the message is pinned, so conversation memory never summarises
    /// or drops it: <c>llmkit.pinned</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<bool> PinnedMessage = new("llmkit.pinned");

    /// <summary>
    /// On a <see cref="ChatMessage"/>: the message is a summary of earlier turns written by the model (not what anyone
    /// said), put there by conversation memory: <c>llmkit.summary</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<bool> ConversationSummary = new("llmkit.summary");

    // Where an upstream call sits in its logical call. The pipeline sets these; inner stages read them.

    /// <summary>The logical call an upstream call belongs to (set by the pipeline head): <c>llmkit.call</c>.</summary>
    public static readonly LlmKitPropertyKey<LlmKitCall> Call = new("llmkit.call");

    /// <summary>How the logical call reached this client (set by the routing stage): <c>llmkit.route</c>.</summary>
    public static readonly LlmKitPropertyKey<UsageRoute> Route = new("llmkit.route");

    /// <summary>The attempt number of an upstream call, 1 for the first (set by the resilience stage): <c>llmkit.attempt</c>.</summary>
    public static readonly LlmKitPropertyKey<int> Attempt = new("llmkit.attempt");

    /// <summary>
    /// The structured-output re-ask number, 0 for the first question (set by <c>GetObjectAsync</c>):
    /// <c>llmkit.reask</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<int> Reask = new("llmkit.reask");

    /// <summary>The tool-loop turn number, 1 for the first model turn (set by the tool loop): <c>llmkit.tool_turn</c>.</summary>
    public static readonly LlmKitPropertyKey<int> ToolTurn = new("llmkit.tool_turn");

    // What LlmKit puts on the answers it returns.

    /// <summary>On a response or update: the answer was served from LlmKit's response cache: <c>llmkit.cache_hit</c>.</summary>
    public static readonly LlmKitPropertyKey<bool> CacheHit = new("llmkit.cache_hit");

    /// <summary>
    /// On a response or update: the answer was stored for an earlier request with the same idempotency key and is
    /// replayed: <c>llmkit.idempotent_replay</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<bool> IdempotentReplay = new("llmkit.idempotent_replay");

    /// <summary>
    /// On a response or update: where a fallback answer came from (<c>client:&lt;name&gt;</c>, <c>cache</c> or
    /// <c>degraded</c>): <c>llmkit.fallback_source</c>.
    /// </summary>
    public static readonly LlmKitPropertyKey<string> FallbackSource = new("llmkit.fallback_source");

    // On a response or update, the tool loop's result (llmkit.tool_loop_result) is keyed by LlmKit.Tools'
    // ToolLoopCallProperties.ToolLoopResult, next to the type it carries.

    /// <summary>On a response: the provider's request id (for support tickets): <c>llmkit.provider_request_id</c>.</summary>
    public static readonly LlmKitPropertyKey<string> ProviderRequestId = new("llmkit.provider_request_id");

    // Internal plumbing, listed here so the list stays complete.

    /// <summary>Which client defaults the head filled in, so routing can replace them with the target client's.</summary>
    internal static readonly LlmKitPropertyKey<ClientDefaultFields> DefaultsApplied = new("llmkit.defaults_applied");

    /// <summary>A tool-loop run started by <c>RunToolsAsync</c>/<c>ResumeToolsAsync</c> and the channel its result comes back on.</summary>
    /// <remarks>
    /// Typed <see cref="object"/> here because the request type lives in LlmKit.Tools; the cache and idempotency stages
    /// only ask whether a run is under way, and the tool-loop stage reads it as its own request type.
    /// </remarks>
    internal static readonly LlmKitPropertyKey<object> ToolLoopRun = new("llmkit.tool_loop_run");

    /// <summary>
    /// Returns whether an <c>AdditionalProperties</c> key is LlmKit's (a setting or a marker for LlmKit) rather than a
    /// request field for the provider: the one filter providers and the response cache use.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when the key must not be sent to a provider or hashed into a cache key.</returns>
    public static bool IsLlmKitKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
    }
}
