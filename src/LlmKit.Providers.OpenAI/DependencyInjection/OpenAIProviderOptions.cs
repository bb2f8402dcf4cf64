namespace LlmKit.Providers.OpenAI;

/// <summary>How the embeddings endpoint is asked to encode vectors.</summary>
public enum OpenAIEmbeddingEncoding
{
    /// <summary>Little-endian float32 in base64: about a quarter of the bytes of JSON numbers and faster to read. OpenAI's own SDKs ask for it.</summary>
    Base64 = 0,

    /// <summary>JSON arrays of numbers, for OpenAI-compatible servers that do not implement <c>encoding_format: base64</c>.</summary>
    Float,
}

/// <summary>
/// Settings of an OpenAI or OpenAI-compatible endpoint, bound from the configuration section
/// <c>LlmKit:OpenAI:&lt;name&gt;</c> and validated when the host starts.
/// </summary>
/// <remarks>
/// The same options serve <c>api.openai.com</c>, Azure OpenAI's v1 endpoint
/// (<c>https://&lt;resource&gt;.openai.azure.com/openai/v1/</c> with <see cref="ApiKeyHeaderName"/> <c>api-key</c>) and
/// self-hosted servers that speak the Chat Completions API (vLLM, Ollama, llama.cpp server, LiteLLM proxy), which only
/// need <see cref="Endpoint"/>.
/// </remarks>
public sealed class OpenAIProviderOptions : IProviderOptions
{
    /// <summary>Gets or sets the API key.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the <c>OPENAI_API_KEY</c> environment variable is used. Required
    /// for <c>api.openai.com</c>; optional for self-hosted servers. Never logged and never part of an exception.
    /// </value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the base URL that <c>chat/completions</c> and <c>embeddings</c> are relative to.</summary>
    /// <value>The default value is <c>https://api.openai.com/v1/</c>. A missing trailing slash is added.</value>
    public Uri Endpoint { get; set; } = OpenAIProviderConstants.DefaultEndpoint;

    /// <summary>Gets or sets the model used when neither the call nor <c>LlmKit:Clients:&lt;name&gt;:Model</c> names one.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Model { get; set; }

    /// <summary>Gets or sets the header that carries the key.</summary>
    /// <value>
    /// The default value is <c>Authorization</c> (sent as <c>Bearer &lt;key&gt;</c>). Any other name sends the key as
    /// is, as Azure OpenAI's <c>api-key</c> expects.
    /// </value>
    public string ApiKeyHeaderName { get; set; } = OpenAIProviderConstants.DefaultApiKeyHeaderName;

    /// <summary>Gets or sets the OpenAI organization id sent as <c>OpenAI-Organization</c>.</summary>
    /// <value>The default value is <see langword="null"/>: not sent.</value>
    public string? Organization { get; set; }

    /// <summary>Gets or sets the OpenAI project id sent as <c>OpenAI-Project</c>.</summary>
    /// <value>The default value is <see langword="null"/>: not sent.</value>
    public string? Project { get; set; }

    /// <summary>Gets or sets how long one request may take, from sending it to the last byte of a stream.</summary>
    /// <value>The default value is 10 minutes. Valid values are greater than zero and at most one day.</value>
    /// <remarks>
    /// This is a last line of defence against a connection that hangs. Per-attempt timeouts and total deadlines belong
    /// to LlmKit's resilience stage, which also decides whether a <see cref="Errors.LlmErrorKind.Timeout"/> is retried.
    /// </remarks>
    public TimeSpan RequestTimeout { get; set; } = OpenAIProviderConstants.DefaultRequestTimeout;

    /// <summary>Gets or sets a value indicating whether streaming requests ask for a final usage chunk (<c>stream_options.include_usage</c>).</summary>
    /// <value>The default value is <see langword="true"/>. Turn it off for servers that reject <c>stream_options</c>.</value>
    public bool IncludeStreamUsage { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether the output limit is sent as <c>max_completion_tokens</c> (current
    /// OpenAI; required by reasoning models) rather than the older <c>max_tokens</c>.
    /// </summary>
    /// <value>The default value is <see langword="true"/>. Set it to <see langword="false"/> for servers that only know <c>max_tokens</c>.</value>
    public bool UseMaxCompletionTokens { get; set; } = true;

    /// <summary>Gets or sets how embedding vectors are encoded on the wire.</summary>
    /// <value>The default value is <see cref="OpenAIEmbeddingEncoding.Base64"/>.</value>
    public OpenAIEmbeddingEncoding EmbeddingEncoding { get; set; } = OpenAIEmbeddingEncoding.Base64;

    /// <summary>Gets or sets the most inputs sent in one embeddings request; larger calls are split.</summary>
    /// <value>The default value is 2048, OpenAI's limit. Valid values are 1 to 2048.</value>
    public int EmbeddingBatchSize { get; set; } = OpenAIProviderConstants.MaxEmbeddingBatchSize;

    /// <summary>
    /// Gets the names of further HTTP headers whose values never appear in the HTTP logs of this client's
    /// <see cref="HttpClient"/>, for credentials that handlers you add send (a gateway key, say).
    /// </summary>
    /// <value>
    /// The default value is an empty list. <c>Authorization</c>, <c>api-key</c>, <c>x-api-key</c>, the
    /// <see cref="ApiKeyHeaderName"/>, <c>OpenAI-Organization</c>, <c>OpenAI-Project</c> and cookies are always redacted.
    /// Each entry must be a valid header name.
    /// </value>
    public IList<string> RedactedHeaderNames { get; } = [];
}

/// <summary>Defaults and limits of <see cref="OpenAIProviderOptions"/>.</summary>
public static class OpenAIProviderConstants
{
    /// <summary>The provider name reported in telemetry and exceptions: <c>openai</c>.</summary>
    public const string ProviderName = "openai";

    /// <summary>The environment variable read when no key is configured: <c>OPENAI_API_KEY</c>.</summary>
    public const string ApiKeyEnvironmentVariable = "OPENAI_API_KEY";

    /// <summary>The default key header: <c>Authorization</c>.</summary>
    public const string DefaultApiKeyHeaderName = "Authorization";

    /// <summary>The most requests one Batch API input file may hold: 50,000.</summary>
    public const int MaxBatchRequests = 50_000;

    /// <summary>The largest Batch API input file: 200 MB.</summary>
    public const long MaxBatchFileBytes = 200L * 1024 * 1024;

    /// <summary>The largest embeddings batch OpenAI accepts: 2048.</summary>
    public const int MaxEmbeddingBatchSize = 2048;

    /// <summary>The root configuration section of OpenAI endpoints: <c>LlmKit:OpenAI</c>; each named client reads <c>LlmKit:OpenAI:&lt;name&gt;</c>.</summary>
    public const string ConfigurationSection = "LlmKit:OpenAI";

    /// <summary>Gets the default endpoint, <c>https://api.openai.com/v1/</c>.</summary>
    public static Uri DefaultEndpoint { get; } = new("https://api.openai.com/v1/");

    /// <summary>Gets the default request timeout, 10 minutes.</summary>
    public static TimeSpan DefaultRequestTimeout { get; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets the longest request timeout accepted, one day.</summary>
    public static TimeSpan MaxRequestTimeout { get; } = TimeSpan.FromDays(1);
}
