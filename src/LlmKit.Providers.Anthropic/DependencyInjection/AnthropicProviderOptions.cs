namespace LlmKit.Providers.Anthropic;

/// <summary>
/// Settings of the Anthropic Messages API, bound from the configuration section <c>LlmKit:Anthropic:&lt;name&gt;</c>
/// and validated when the host starts.
/// </summary>
public sealed class AnthropicProviderOptions : IProviderOptions
{
    /// <summary>Gets or sets the API key, sent as <c>x-api-key</c>.</summary>
    /// <value>The default value is <see langword="null"/>: the <c>ANTHROPIC_API_KEY</c> environment variable is used. Never logged and never part of an exception.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the base URL that <c>v1/messages</c> is relative to.</summary>
    /// <value>The default value is <c>https://api.anthropic.com/</c>.</value>
    public Uri Endpoint { get; set; } = AnthropicProviderConstants.DefaultEndpoint;

    /// <summary>Gets or sets the model used when neither the call nor <c>LlmKit:Clients:&lt;name&gt;:Model</c> names one.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Model { get; set; }

    /// <summary>Gets or sets the API version sent as <c>anthropic-version</c>.</summary>
    /// <value>The default value is <c>2023-06-01</c>.</value>
    public string ApiVersion { get; set; } = AnthropicProviderConstants.DefaultApiVersion;

    /// <summary>Gets the beta features sent as <c>anthropic-beta</c> (comma-separated), for example <c>extended-cache-ttl-2025-04-11</c>.</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> BetaFeatures { get; } = [];

    /// <summary>
    /// Gets or sets the output limit used when a call sets no <c>MaxOutputTokens</c>; the Messages API requires one.
    /// </summary>
    /// <value>The default value is 4096. Valid values are 1 or more.</value>
    public int DefaultMaxOutputTokens { get; set; } = AnthropicProviderConstants.DefaultMaxOutputTokens;

    /// <summary>Gets or sets how long one request may take, from sending it to the last byte of a stream.</summary>
    /// <value>The default value is 10 minutes. Valid values are greater than zero and at most one day.</value>
    public TimeSpan RequestTimeout { get; set; } = AnthropicProviderConstants.DefaultRequestTimeout;

    /// <summary>Gets or sets a value indicating whether the system prompt ends with a prompt-cache breakpoint.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    /// <remarks>
    /// A breakpoint caches everything before it: tools, then system, then messages. Writing to the cache costs 25%
    /// more than plain input and reading costs 10%, so a breakpoint pays off when the same prefix is sent at least twice
    /// within the cache lifetime (five minutes by default). Anthropic allows four breakpoints per request.
    /// </remarks>
    public bool CacheSystemPrompt { get; set; }

    /// <summary>Gets or sets a value indicating whether the tool definitions end with a prompt-cache breakpoint.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool CacheTools { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the last message of every request gets a prompt-cache breakpoint, so the
    /// next turn of the conversation reads the whole history from the cache.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    /// <remarks>
    /// To mark a different stable point (for example a long document before a question that changes every call), set
    /// <see cref="AnthropicChatOptionKeys.CacheBreakpoint"/> to <see langword="true"/> in that message's
    /// <c>AdditionalProperties</c>.
    /// </remarks>
    public bool CacheConversation { get; set; }

    /// <summary>Gets or sets the extended-thinking budget used when a call does not choose one.</summary>
    /// <value>The default value is <see langword="null"/>: no extended thinking. Valid values are at least 1024.</value>
    public int? ThinkingBudgetTokens { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the model takes a JSON schema response format natively
    /// (<c>output_config.format</c>, decoded under the schema: Claude Sonnet 4.5, Haiku 4.5, Opus 4.1 and later).
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    /// <remarks>
    /// Set it to <see langword="false"/> for older models, which reject <c>output_config</c>: the client then reports
    /// no JSON-schema support in its <see cref="LlmKit.ChatCompletion.ChatClientCapabilities"/>, so LlmKit's structured
    /// output asks through a tool the model must call instead, and a call that still sets
    /// <c>ChatOptions.ResponseFormat</c> to a JSON schema is refused before anything is sent.
    /// </remarks>
    public bool NativeStructuredOutput { get; set; } = true;

    /// <summary>
    /// Gets the names of further HTTP headers whose values never appear in the HTTP logs of this client's
    /// <see cref="HttpClient"/>, for credentials that handlers you add send (a gateway key, say).
    /// </summary>
    /// <value>
    /// The default value is an empty list. <c>x-api-key</c>, <c>Authorization</c>, <c>anthropic-organization-id</c>,
    /// <c>anthropic-workspace-id</c> and cookies are always redacted. Each entry must be a valid header name.
    /// </value>
    public IList<string> RedactedHeaderNames { get; } = [];
}

/// <summary>Keys of <c>AdditionalProperties</c> that steer the Anthropic provider per call or per message; they are never sent as request fields.</summary>
public static class AnthropicChatOptionKeys
{
    /// <summary>
    /// <c>ChatOptions.AdditionalProperties</c> key of this call's extended-thinking budget in tokens (an <see cref="int"/>;
    /// 0 turns thinking off): <c>llmkit.anthropic.thinking_budget_tokens</c> (<see cref="LlmKit.Pipeline.LlmKitCallProperties.AnthropicThinkingBudgetTokens"/>). Without it, <c>ChatOptions.Reasoning.Effort</c>
    /// picks a budget, then <see cref="AnthropicProviderOptions.ThinkingBudgetTokens"/>.
    /// </summary>
    public const string ThinkingBudgetTokens = "llmkit.anthropic.thinking_budget_tokens";

    /// <summary><c>ChatMessage.AdditionalProperties</c> key that puts a prompt-cache breakpoint after that message: <c>llmkit.anthropic.cache_breakpoint</c> (<see cref="LlmKit.Pipeline.LlmKitCallProperties.AnthropicCacheBreakpoint"/>).</summary>
    public const string CacheBreakpoint = "llmkit.anthropic.cache_breakpoint";
}

/// <summary>Defaults and limits of <see cref="AnthropicProviderOptions"/>.</summary>
public static class AnthropicProviderConstants
{
    /// <summary>The most requests one Message Batch may hold: 100,000.</summary>
    public const int MaxBatchRequests = 100_000;

    /// <summary>The largest Message Batch request body: 256 MB.</summary>
    public const long MaxBatchBytes = 256L * 1024 * 1024;

    /// <summary>The provider name reported in telemetry and exceptions: <c>anthropic</c>.</summary>
    public const string ProviderName = "anthropic";

    /// <summary>The environment variable read when no key is configured: <c>ANTHROPIC_API_KEY</c>.</summary>
    public const string ApiKeyEnvironmentVariable = "ANTHROPIC_API_KEY";

    /// <summary>The default API version: <c>2023-06-01</c>.</summary>
    public const string DefaultApiVersion = "2023-06-01";

    /// <summary>The default output limit: 4096 tokens.</summary>
    public const int DefaultMaxOutputTokens = 4096;

    /// <summary>The smallest thinking budget the API accepts: 1024 tokens.</summary>
    public const int MinThinkingBudgetTokens = 1024;

    /// <summary>The most prompt-cache breakpoints one request may carry: 4.</summary>
    public const int MaxCacheBreakpoints = 4;

    /// <summary>The root configuration section: <c>LlmKit:Anthropic</c>; each named client reads <c>LlmKit:Anthropic:&lt;name&gt;</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Anthropic";

    /// <summary>Gets the default endpoint, <c>https://api.anthropic.com/</c>.</summary>
    public static Uri DefaultEndpoint { get; } = new("https://api.anthropic.com/");

    /// <summary>Gets the default request timeout, 10 minutes.</summary>
    public static TimeSpan DefaultRequestTimeout { get; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets the longest request timeout accepted, one day.</summary>
    public static TimeSpan MaxRequestTimeout { get; } = TimeSpan.FromDays(1);
}
