using LlmKit.ChatCompletion;
using LlmKit.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.OpenAI;

/// <summary>
/// An <see cref="IChatClient"/> for the OpenAI Chat Completions API and the servers that implement it (vLLM, Ollama,
/// llama.cpp server, LiteLLM proxy, Azure OpenAI v1). Every failure surfaces as an <see cref="LlmException"/>; it
/// never retries on its own, because LlmKit's resilience stage owns retries.
/// </summary>
/// <remarks>
/// Mapping: text, images (data and URLs), audio and PDF input; function tools with tool choice and parallel tool
/// calls; <c>response_format</c> JSON object or JSON schema (strict when
/// <c>ChatOptions.AdditionalProperties[<see cref="ChatClientCapabilities.StrictJsonSchemaKey"/>]</c> is
/// <see langword="true"/>); temperature, top-p, penalties, seed, stop sequences, reasoning effort and output limit.
/// Any other <c>ChatOptions.AdditionalProperties</c> entry is written into the request body as a top-level field (and
/// wins over a field LlmKit would write), for provider extras such as <c>prompt_cache_key</c> or vLLM's <c>top_k</c>.
/// Refusals come back as <see cref="Refusals"/> content and are sent back as the assistant's <c>refusal</c> in later
/// turns; usage includes cached input and reasoning tokens.
/// </remarks>
public sealed class OpenAIChatClient : IChatClient
{
    private static readonly ChatClientCapabilities OpenAICapabilities = new()
    {
        SupportsJsonSchemaResponseFormat = true,
        SupportsStrictJsonSchema = true,
        SupportsToolCalling = true,
        SupportsRequiredToolChoice = true,
        SupportsParallelToolCalls = true,
    };

    private readonly OpenAIProviderOptions _options;
    private readonly ProviderConnection _connection;
    private readonly ChatClientMetadata _metadata;
    private readonly Uri _completionsUri;

    /// <summary>Initializes a new instance of the <see cref="OpenAIChatClient"/> class.</summary>
    /// <param name="options">The endpoint settings; validated here.</param>
    /// <param name="httpClient">The HTTP client to send through; when <see langword="null"/> the client creates and owns one.</param>
    /// <param name="timeProvider">The clock for request timeouts and <c>Retry-After</c> dates; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; never given the API key.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public OpenAIChatClient(
        OpenAIProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<OpenAIChatClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connection = OpenAIProvider.Connect(options, httpClient, timeProvider, logger);
        (_options, _completionsUri) = (options, new Uri(options.NormalizedEndpoint, "chat/completions"));
        _metadata = new ChatClientMetadata(OpenAIProviderConstants.ProviderName, options.NormalizedEndpoint, options.Model);
    }

    /// <summary>Gets what this client supports: JSON schema response formats, strict schemas, tools, parallel tool calls.</summary>
    public ChatClientCapabilities Capabilities => OpenAICapabilities;

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string model = ModelOf(options);
        var body = OpenAIChatRequest.Write(messages, options, model, stream: false, _options);
        return _connection.GetResponseAsync(_completionsUri, body, model, OpenAIChatResponse.Read, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string model = ModelOf(options);
        var body = OpenAIChatRequest.Write(messages, options, model, stream: true, _options);
        return _connection.StreamAsync(_completionsUri, body, model, new OpenAIStreamAssembler(), cancellationToken);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        ProviderServices.Get(this, serviceType, serviceKey, _metadata, Capabilities);

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();

    private string ModelOf(ChatOptions? options) =>
        options?.ModelId ?? _options.Model ?? throw new InvalidOperationException(
            "No model was given: set ChatOptions.ModelId, LlmKit:Clients:<name>:Model or LlmKit:OpenAI:<name>:Model.");
}
