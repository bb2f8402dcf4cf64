using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Providers.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Providers.Anthropic;

/// <summary>
/// An <see cref="IChatClient"/> for the Anthropic Messages API. Every failure surfaces as an
/// <see cref="LlmException"/>, including errors Anthropic sends in the middle of a stream; it never retries on its own,
/// because LlmKit's resilience stage owns retries.
/// </summary>
/// <remarks>
/// <para>
/// Usage follows LlmKit's convention: <see cref="UsageDetails.InputTokenCount"/> is the whole prompt (uncached input
/// plus cache reads plus cache writes), <see cref="UsageDetails.CachedInputTokenCount"/> the cache reads, and
/// <see cref="UsageDetailsExtensions.GetCacheWriteInputTokenCount"/> the cache writes.
/// </para>
/// <para>
/// A JSON schema response format is served through a forced tool whose input schema is the requested schema; its
/// input comes back as the response text and the finish reason is <see cref="ChatFinishReason.Stop"/>. Prompt-cache
/// breakpoints, thinking budgets and the structured-output tool name come from <see cref="AnthropicProviderOptions"/>
/// and <see cref="AnthropicChatOptionKeys"/>. Any other <c>ChatOptions.AdditionalProperties</c> entry is written into
/// the request body as a top-level field, and a content item's <c>AdditionalProperties</c> into its block.
/// </para>
/// </remarks>
public sealed class AnthropicChatClient : IChatClient
{
    private readonly AnthropicProviderOptions _options;
    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly ProviderTransport _transport;
    private readonly ChatClientMetadata _metadata;
    private readonly Uri _messagesUri;
    private readonly string? _apiKey;

    /// <summary>Initializes a new instance of the <see cref="AnthropicChatClient"/> class.</summary>
    /// <param name="options">The API settings; validated here.</param>
    /// <param name="httpClient">The HTTP client to send through; when <see langword="null"/> the client creates and owns one.</param>
    /// <param name="timeProvider">The clock for request timeouts and rate-limit reset times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; never given the API key.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AnthropicChatClient(
        AnthropicProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<AnthropicChatClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _apiKey = options.ResolveApiKey();
        var failures = AnthropicProviderOptionsValidator.Failures(nameof(AnthropicProviderOptions), options, _apiKey);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _options = options;
        _ownsHttpClient = httpClient is null;
        _httpClient = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _transport = new ProviderTransport(_httpClient, timeProvider ?? TimeProvider.System, options.RequestTimeout, (ILogger?)logger ?? NullLogger.Instance);
        _messagesUri = new Uri(options.NormalizedEndpoint, "v1/messages");
        _metadata = new ChatClientMetadata(AnthropicProviderConstants.ProviderName, options.NormalizedEndpoint, options.Model);
    }

    /// <summary>Gets what this client supports: JSON schemas through a forced tool (not strict decoding), tools, parallel tool calls.</summary>
    public static ChatClientCapabilities Capabilities { get; } = new()
    {
        SupportsJsonSchemaResponseFormat = true,
        SupportsStrictJsonSchema = false,
        SupportsToolCalling = true,
        SupportsRequiredToolChoice = true,
        SupportsParallelToolCalls = true,
    };

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string model = ModelOf(options);
        var body = AnthropicChatRequest.Write(messages, options, model, stream: false, _options, out var plan);
        using var request = CreateRequest(body);
        using var call = await _transport.SendAsync(request, Info(model), stream: false, cancellationToken).ConfigureAwait(false);
        using var document = await call.ReadJsonAsync().ConfigureAwait(false);
        try
        {
            var root = document.RootElement;
            if (AnthropicChatResponse.String(root, "type") == "error" && root.TryGetProperty("error", out var error))
            {
                throw call.Failed(ProviderFailures.FromStreamError(error, call.RequestId, call.Info));
            }

            var response = AnthropicChatResponse.Read(root, plan.StructuredOutputTool);
            if (call.RequestId is { } requestId)
            {
                (response.AdditionalProperties ??= [])["request_id"] = requestId;
            }

            return response;
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or JsonException)
        {
            throw call.Failed(new LlmException(LlmErrorKind.ServerError, $"The Anthropic API sent a response of an unexpected shape: {ex.Message}", ex)
            {
                RequestId = call.RequestId, Model = model, Provider = AnthropicProviderConstants.ProviderName,
            });
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string model = ModelOf(options);
        var body = AnthropicChatRequest.Write(messages, options, model, stream: true, _options, out var plan);
        using var request = CreateRequest(body);
        using var call = await _transport.SendAsync(request, Info(model), stream: true, cancellationToken).ConfigureAwait(false);
        var assembler = new AnthropicStreamAssembler(plan.StructuredOutputTool);
        await foreach (var item in call.ReadEventsAsync().ConfigureAwait(false))
        {
            if (item.Data is not { } data)
            {
                continue;
            }

            // Anthropic reports overload and other failures as an "error" event after a 200 has been sent.
            if (AnthropicChatResponse.String(data, "type") == "error" && data.TryGetProperty("error", out var error))
            {
                throw call.Failed(ProviderFailures.FromStreamError(error, call.RequestId, call.Info));
            }

            List<ChatResponseUpdate> updates;
            try
            {
                updates = assembler.Read(data).ToList();
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or JsonException)
            {
                throw call.Failed(new LlmException(LlmErrorKind.ServerError, $"The Anthropic API sent a stream event of an unexpected shape: {ex.Message}", ex)
                {
                    RequestId = call.RequestId, Model = model, Provider = AnthropicProviderConstants.ProviderName,
                });
            }

            foreach (var update in updates)
            {
                yield return update;
            }

            if (assembler.Finished)
            {
                yield break;
            }
        }

        // Without message_stop the answer is incomplete; passing it on as finished would hide a cut connection.
        throw call.Failed(ProviderFailures.TruncatedStream(call.Info, call.RequestId));
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        if (serviceType == typeof(ChatClientCapabilities))
        {
            return Capabilities;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    private string ModelOf(ChatOptions? options) =>
        options?.ModelId ?? _options.Model ?? throw new InvalidOperationException(
            "No model was given: set ChatOptions.ModelId, LlmKit:Clients:<name>:Model or LlmKit:Anthropic:<name>:Model.");

    private ProviderFailures.CallInfo Info(string model) =>
        new(AnthropicProviderConstants.ProviderName, "The Anthropic API", model, _apiKey);

    private HttpRequestMessage CreateRequest(ReadOnlyMemory<byte> body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _messagesUri) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!string.IsNullOrEmpty(_apiKey))
        {
            request.Headers.TryAddWithoutValidation("x-api-key", _apiKey);
        }

        request.Headers.TryAddWithoutValidation("anthropic-version", _options.ApiVersion);
        if (_options.BetaFeatures.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("anthropic-beta", string.Join(',', _options.BetaFeatures));
        }

        return request;
    }
}
