namespace LlmKit.Telemetry;

/// <summary>
/// The attribute and instrument names LlmKit reports: the OpenTelemetry GenAI semantic conventions where they define
/// one, and <c>llmkit.*</c> names for what they do not (cost, cache, caller tags).
/// </summary>
public static class GenAiConventions
{
    /// <summary><c>gen_ai.operation.name</c>.</summary>
    public const string OperationName = "gen_ai.operation.name";

    /// <summary><c>gen_ai.provider.name</c>.</summary>
    public const string ProviderName = "gen_ai.provider.name";

    /// <summary><c>gen_ai.request.model</c>.</summary>
    public const string RequestModel = "gen_ai.request.model";

    /// <summary><c>gen_ai.response.model</c>.</summary>
    public const string ResponseModel = "gen_ai.response.model";

    /// <summary><c>gen_ai.response.id</c>.</summary>
    public const string ResponseId = "gen_ai.response.id";

    /// <summary><c>gen_ai.request.temperature</c>.</summary>
    public const string RequestTemperature = "gen_ai.request.temperature";

    /// <summary><c>gen_ai.request.max_tokens</c>.</summary>
    public const string RequestMaxTokens = "gen_ai.request.max_tokens";

    /// <summary><c>gen_ai.request.top_p</c>.</summary>
    public const string RequestTopP = "gen_ai.request.top_p";

    /// <summary><c>gen_ai.request.seed</c>.</summary>
    public const string RequestSeed = "gen_ai.request.seed";

    /// <summary><c>gen_ai.usage.input_tokens</c>.</summary>
    public const string UsageInputTokens = "gen_ai.usage.input_tokens";

    /// <summary><c>gen_ai.usage.output_tokens</c>.</summary>
    public const string UsageOutputTokens = "gen_ai.usage.output_tokens";

    /// <summary><c>gen_ai.response.finish_reasons</c>.</summary>
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";

    /// <summary><c>gen_ai.token.type</c>: <c>input</c> or <c>output</c>.</summary>
    public const string TokenType = "gen_ai.token.type";

    /// <summary><c>gen_ai.input.messages</c>: the request messages, only when content capture is enabled.</summary>
    public const string InputMessages = "gen_ai.input.messages";

    /// <summary><c>gen_ai.output.messages</c>: the response messages, only when content capture is enabled.</summary>
    public const string OutputMessages = "gen_ai.output.messages";

    /// <summary><c>error.type</c>.</summary>
    public const string ErrorType = "error.type";

    /// <summary><c>gen_ai.client.token.usage</c>: histogram of input and output tokens.</summary>
    public const string TokenUsageMetric = "gen_ai.client.token.usage";

    /// <summary><c>gen_ai.client.operation.duration</c>: histogram of call durations in seconds.</summary>
    public const string OperationDurationMetric = "gen_ai.client.operation.duration";

    /// <summary><c>llmkit.client.time_to_first_chunk</c>: histogram, seconds to the first streamed chunk.</summary>
    public const string TimeToFirstChunkMetric = "llmkit.client.time_to_first_chunk";

    /// <summary><c>llmkit.client.cost</c>: counter of US dollars spent, as seen by the telemetry stage.</summary>
    public const string CostMetric = "llmkit.client.cost";

    /// <summary><c>llmkit.cache.requests</c>: counter of cache lookups tagged with <see cref="CacheOutcome"/>.</summary>
    public const string CacheRequestsMetric = "llmkit.cache.requests";

    /// <summary><c>llmkit.usage.calls</c>: counter of calls the usage ledger recorded.</summary>
    public const string UsageCallsMetric = "llmkit.usage.calls";

    /// <summary><c>llmkit.usage.tokens</c>: counter of tokens the usage ledger recorded.</summary>
    public const string UsageTokensMetric = "llmkit.usage.tokens";

    /// <summary><c>llmkit.usage.cost</c>: counter of US dollars the usage ledger recorded.</summary>
    public const string UsageCostMetric = "llmkit.usage.cost";

    /// <summary><c>llmkit.budget.rejections</c>: counter of calls the budget stage rejected or downgraded.</summary>
    public const string BudgetRejectionsMetric = "llmkit.budget.rejections";

    /// <summary><c>llmkit.time_to_first_chunk</c>: span attribute, seconds to the first streamed chunk.</summary>
    public const string TimeToFirstChunk = "llmkit.time_to_first_chunk";

    /// <summary><c>llmkit.cost</c>: span attribute, the call's cost in US dollars.</summary>
    public const string Cost = "llmkit.cost";

    /// <summary><c>llmkit.cache_hit</c>: span attribute, whether the answer came from LlmKit's response cache.</summary>
    public const string CacheHit = "llmkit.cache_hit";

    /// <summary><c>llmkit.cache.outcome</c>: <c>hit</c>, <c>miss</c> or <c>bypass</c>.</summary>
    public const string CacheOutcome = "llmkit.cache.outcome";

    /// <summary><c>llmkit.cache.kind</c>: <c>chat</c> or <c>embedding</c>.</summary>
    public const string CacheKind = "llmkit.cache.kind";

    /// <summary><c>llmkit.client</c>: the LlmKit client name.</summary>
    public const string ClientName = "llmkit.client";

    /// <summary><c>llmkit.tenant</c>.</summary>
    public const string Tenant = "llmkit.tenant";

    /// <summary><c>llmkit.feature</c>.</summary>
    public const string Feature = "llmkit.feature";

    /// <summary><c>llmkit.request_id</c>.</summary>
    public const string RequestId = "llmkit.request_id";

    /// <summary><c>llmkit.outcome</c>: how a recorded call ended.</summary>
    public const string Outcome = "llmkit.outcome";

    /// <summary><c>llmkit.budget</c>: which budget rejected a call.</summary>
    public const string Budget = "llmkit.budget";

    /// <summary><c>llmkit.call.id</c>: the logical call an upstream call belongs to.</summary>
    public const string CallId = "llmkit.call.id";

    /// <summary><c>llmkit.call.kind</c>: what began the logical call (<c>chat</c>, <c>structured_output</c>, <c>tool_loop</c>, or the app's own name).</summary>
    public const string CallKind = "llmkit.call.kind";

    /// <summary><c>llmkit.upstream_calls</c>: on the root span, how many upstream model calls the logical call made.</summary>
    public const string UpstreamCalls = "llmkit.upstream_calls";

    /// <summary><c>llmkit.route</c>: how the logical call reached the client of an upstream call (primary, fallback, downgrade).</summary>
    public const string Route = "llmkit.route";

    /// <summary><c>llmkit.attempt</c>: the attempt number of an upstream call.</summary>
    public const string Attempt = "llmkit.attempt";

    /// <summary><c>llmkit.reask</c>: the structured-output re-ask number of an upstream call.</summary>
    public const string Reask = "llmkit.reask";

    /// <summary><c>llmkit.tool_turn</c>: the tool-loop turn of an upstream call.</summary>
    public const string ToolTurn = "llmkit.tool_turn";
}
