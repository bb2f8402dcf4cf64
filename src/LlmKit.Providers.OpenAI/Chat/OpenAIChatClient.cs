using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Providers.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Providers.OpenAI;

/// <summary>
/// An <see cref="IChatClient"/> for the OpenAI Chat Completions API and the servers that implement it (vLLM, Ollama,
/// llama.cpp server, LiteLLM proxy, Azure OpenAI v1). Every failure surfaces as an <see cref="LlmException"/>; it
/// never retries on its own, because LlmKit's resilience stage owns retries.
/// </summary>
/// <remarks>
/// Mapping: text, images (data and URLs), audio and PDF input; function tools with tool choice and parallel tool
/// calls; <c>response_format</c> JSON object or JSON schema (strict when
/// <c>ChatOptions.AdditionalProperties[<see cref="LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema"/>]</c> is
/// <see langword="true"/>); temperature, top-p, penalties, seed, stop sequences, reasoning effort and output limit.
/// Any other <c>ChatOptions.AdditionalProperties</c> entry is written into the request body as a top-level field (and
/// wins over a field LlmKit would write), for provider extras such as <c>prompt_cache_key</c> or vLLM's <c>top_k</c>.
/// Refusals come back as <see cref="Refusals"/> content; usage includes cached input and reasoning tokens.
/// </remarks>
public sealed class OpenAIChatClient : IChatClient
{
    private readonly OpenAIProviderOptions _options;
    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly ProviderTransport _transport;
    private readonly ChatClientMetadata _metadata;
    private readonly Uri _completionsUri;
    private readonly string? _apiKey;

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
        _apiKey = options.ResolveApiKey();
        var failures = OpenAIProviderOptionsValidator.Failures(nameof(OpenAIProviderOptions), options, _apiKey);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _options = options;
        _ownsHttpClient = httpClient is null;
        _httpClient = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _transport = new ProviderTransport(_httpClient, timeProvider ?? TimeProvider.System, options.RequestTimeout, (ILogger?)logger ?? NullLogger.Instance);
        _completionsUri = new Uri(options.NormalizedEndpoint, "chat/completions");
        _metadata = new ChatClientMetadata(OpenAIProviderConstants.ProviderName, options.NormalizedEndpoint, options.Model);
    }

    /// <summary>Gets what this client supports: JSON schema response formats, strict schemas, tools, parallel tool calls.</summary>
    public static ChatClientCapabilities Capabilities { get; } = new()
    {
        SupportsJsonSchemaResponseFormat = true,
        SupportsStrictJsonSchema = true,
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
        using var request = CreateRequest(OpenAIChatRequest.Write(messages, options, model, stream: false, _options));
        using var call = await _transport.SendAsync(request, Info(model), stream: false, cancellationToken).ConfigureAwait(false);
        using var document = await call.ReadJsonAsync().ConfigureAwait(false);
        try
        {
            if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                throw call.Failed(ProviderFailures.FromStreamError(error, call.RequestId, call.Info)); // a 200 that carries an error (some proxies)
            }

            var response = OpenAIChatResponse.Read(document.RootElement);
            if (call.RequestId is { } requestId)
            {
                (response.AdditionalProperties ??= [])["request_id"] = requestId;
            }

            return response;
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
        {
            throw call.Failed(new LlmException(LlmErrorKind.ServerError, $"OpenAI-compatible endpoint sent a response of an unexpected shape: {ex.Message}", ex)
            {
                RequestId = call.RequestId, Model = model, Provider = OpenAIProviderConstants.ProviderName,
            });
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string model = ModelOf(options);
        using var request = CreateRequest(OpenAIChatRequest.Write(messages, options, model, stream: true, _options));
        using var call = await _transport.SendAsync(request, Info(model), stream: true, cancellationToken).ConfigureAwait(false);
        var assembler = new OpenAIStreamAssembler();
        bool done = false;
        await foreach (var item in call.ReadEventsAsync().ConfigureAwait(false))
        {
            if (item.Data is not { } chunk)
            {
                done = true; // [DONE]
                break;
            }

            if (chunk.TryGetProperty("error", out var error) && error.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                throw call.Failed(ProviderFailures.FromStreamError(error, call.RequestId, call.Info));
            }

            foreach (var update in assembler.Read(chunk))
            {
                yield return update;
            }
        }

        // A stream that stops without [DONE] or a finish reason was cut off: passing the partial text on as if it were
        // complete would hide the failure from the caller and from retries.
        if (!done && !assembler.Finished)
        {
            throw call.Failed(ProviderFailures.TruncatedStream(call.Info, call.RequestId));
        }

        if (assembler.Flush() is { } rest)
        {
            yield return rest;
        }
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
            "No model was given: set ChatOptions.ModelId, LlmKit:Clients:<name>:Model or LlmKit:OpenAI:<name>:Model.");

    private ProviderFailures.CallInfo Info(string model) =>
        new(OpenAIProviderConstants.ProviderName, "OpenAI-compatible endpoint " + _options.NormalizedEndpoint.Authority, model, ResolvedKey);

    private string? ResolvedKey => _apiKey;

    private HttpRequestMessage CreateRequest(ReadOnlyMemory<byte> body) => OpenAIRequests.Create(_options, _apiKey, _completionsUri, body);
}

/// <summary>Builds authenticated requests for an OpenAI-compatible endpoint.</summary>
internal static class OpenAIRequests
{
    public static HttpRequestMessage Create(OpenAIProviderOptions options, string? apiKey, Uri uri, ReadOnlyMemory<byte> body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ReadOnlyMemoryContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!string.IsNullOrEmpty(apiKey))
        {
            if (string.Equals(options.ApiKeyHeaderName, "Authorization", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(options.ApiKeyHeaderName, apiKey);
            }
        }

        if (options.Organization is { Length: > 0 } organization)
        {
            request.Headers.TryAddWithoutValidation("OpenAI-Organization", organization);
        }

        if (options.Project is { Length: > 0 } project)
        {
            request.Headers.TryAddWithoutValidation("OpenAI-Project", project);
        }

        return request;
    }
}
