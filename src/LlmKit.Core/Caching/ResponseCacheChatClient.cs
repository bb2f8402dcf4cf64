using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LlmKit.ChatCompletion;
using LlmKit.Telemetry;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Caching;

/// <summary>
/// An exact-match response cache over <see cref="IDistributedCache"/> for deterministic requests (see
/// <see cref="ResponseCacheOptions"/> for what is and is not cached). Streaming answers are stored once complete and
/// replayed as a stream; a streamed answer can serve a non-streaming call and the other way round.
/// </summary>
/// <remarks>
/// Only finished answers are stored, never in-flight calls, so concurrent identical requests may each reach the
/// model once; in exchange a failure is never shared between callers. A cache that fails to read or write is logged
/// and bypassed: the cache can make a call cheaper, never make it fail.
/// </remarks>
public sealed class ResponseCacheChatClient : DelegatingChatClient
{
    private static readonly JsonTypeInfo<ChatResponse> ResponseTypeInfo =
        (JsonTypeInfo<ChatResponse>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponse));

    private static readonly JsonTypeInfo<ChatResponseUpdate> UpdateTypeInfo =
        (JsonTypeInfo<ChatResponseUpdate>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponseUpdate));

    private readonly IDistributedCache _cache;
    private readonly ResponseCacheOptions _options;
    private readonly string _clientName;
    private readonly string? _defaultModel;
    private readonly float? _defaultTemperature;
    private readonly LlmKitInstrumentation? _instrumentation;
    private readonly ILogger _logger;
    private readonly DistributedCacheEntryOptions _entryOptions;

    /// <summary>Initializes a new instance of the <see cref="ResponseCacheChatClient"/> class.</summary>
    /// <param name="innerClient">The client to forward misses to.</param>
    /// <param name="cache">The cache.</param>
    /// <param name="options">The settings; defaults when omitted.</param>
    /// <param name="clientName">The LlmKit client name, part of every key.</param>
    /// <param name="clientDefaults">
    /// The client's configured defaults (applied further in), so that a client whose default temperature is 0 caches
    /// calls that leave it unset, and the default model is part of the key.
    /// </param>
    /// <param name="instrumentation">Counts hits and misses; not counted when omitted.</param>
    /// <param name="logger">Logs cache failures.</param>
    public ResponseCacheChatClient(
        IChatClient innerClient,
        IDistributedCache cache,
        ResponseCacheOptions? options = null,
        string clientName = "",
        DependencyInjection.LlmKitClientOptions? clientDefaults = null,
        LlmKitInstrumentation? instrumentation = null,
        ILogger<ResponseCacheChatClient>? logger = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(clientName);
        _cache = cache;
        _options = options ?? new ResponseCacheOptions();
        var failures = _options.Validate("ResponseCacheOptions").ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _clientName = clientName;
        _defaultModel = clientDefaults?.Model ?? innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
        _defaultTemperature = clientDefaults?.Temperature;
        _instrumentation = instrumentation;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _entryOptions = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = _options.Expiration };
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string? key = KeyFor(ref messages, options);
        if (key is null)
        {
            Count("bypass");
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        if (await ReadAsync(key, cancellationToken) is { } cached)
        {
            Count("hit");
            var response = cached.Response ?? cached.Updates!.ToChatResponse();
            LlmKitCallProperties.CacheHit.SetValue(response.AdditionalProperties ??= [], true);
            return response;
        }

        Count("miss");
        var fresh = await base.GetResponseAsync(messages, options, cancellationToken);
        if (IsStorable(fresh))
        {
            await WriteAsync(key, JsonSerializer.SerializeToUtf8Bytes(fresh, ResponseTypeInfo), 'R', cancellationToken);
        }

        return fresh;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string? key = KeyFor(ref messages, options);
        if (key is null)
        {
            Count("bypass");
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        if (await ReadAsync(key, cancellationToken) is { } cached)
        {
            Count("hit");
            IEnumerable<ChatResponseUpdate> updates = cached.Updates ?? (IEnumerable<ChatResponseUpdate>)cached.Response!.ToChatResponseUpdates();
            foreach (var update in updates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                LlmKitCallProperties.CacheHit.SetValue(update.AdditionalProperties ??= [], true);
                yield return update;
            }

            yield break;
        }

        Count("miss");
        var received = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            received.Add(update);
            yield return update;
        }

        // Reached only when the stream completed: a failure or an abandoned stream stores nothing.
        if (IsStorable(received.ToChatResponse()))
        {
            await WriteAsync(key, SerializeUpdates(received), 'U', cancellationToken);
        }
    }

    private string? KeyFor(ref IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        bool? optIn = LlmKitCallProperties.ResponseCaching.TryGetValue(options, out bool value) ? value : null;

        // A run of RunToolsAsync/ResumeToolsAsync executes tools and may wait for approval: never served from a cache.
        if (optIn == false || options?.ConversationId is not null || options?.ContinuationToken is not null ||
            LlmKitCallProperties.ToolLoopRun.TryGetValue(options, out _))
        {
            return null;
        }

        float? temperature = options?.Temperature ?? _defaultTemperature;
        if (optIn != true && temperature != 0f)
        {
            return null;
        }

        // The key enumerates the messages once and the inner client again, so a lazy sequence is materialized first.
        if (messages is not IReadOnlyCollection<ChatMessage>)
        {
            messages = messages.ToList();
        }

        string? promptVersion = LlmKitCallProperties.PromptVersion.GetValueOrDefault(options, _options.PromptVersion);
        return ChatCacheKey.Compute(_options.KeyPrefix, _clientName, options?.ModelId ?? _defaultModel, promptVersion, messages, options);
    }

    private static bool IsStorable(ChatResponse response)
    {
        if (response.FinishReason == ChatFinishReason.Length || response.FinishReason == ChatFinishReason.ContentFilter)
        {
            return false;
        }

        // Refusals are ErrorContent too; any error content means the answer is not one to repeat.
        foreach (var message in response.Messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is ErrorContent)
                {
                    return false;
                }
            }
        }

        return response.GetRefusal() is null;
    }

    private async Task<CachedAnswer?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        byte[]? bytes;
        try
        {
            bytes = await _cache.GetAsync(key, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "The response cache could not be read for client {Client}; calling the model instead.", _clientName);
            return null;
        }

        if (bytes is not { Length: > 1 })
        {
            return null;
        }

        try
        {
            var payload = bytes.AsSpan(1);
            return bytes[0] switch
            {
                (byte)'R' => JsonSerializer.Deserialize(payload, ResponseTypeInfo) is { } response ? new CachedAnswer(response, null) : null,
                (byte)'U' => new CachedAnswer(null, DeserializeUpdates(payload)),
                _ => null,
            };
        }
        catch (JsonException ex)
        {
            _logger.LogWarning(ex, "A response cache entry of client {Client} could not be read; calling the model instead.", _clientName);
            return null;
        }
    }

    private async Task WriteAsync(string key, byte[] payload, char kind, CancellationToken cancellationToken)
    {
        // One leading byte tells a whole response from a list of updates; the payload is copied once, which is cheap
        // next to the model call whose answer it holds.
        var bytes = new byte[payload.Length + 1];
        bytes[0] = (byte)kind;
        payload.CopyTo(bytes, 1);
        try
        {
            await _cache.SetAsync(key, bytes, _entryOptions, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "The response cache could not store an answer of client {Client}.", _clientName);
        }
    }

    private static byte[] SerializeUpdates(List<ChatResponseUpdate> updates)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var update in updates)
            {
                JsonSerializer.Serialize(writer, update, UpdateTypeInfo);
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static List<ChatResponseUpdate> DeserializeUpdates(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("A cached stream must be a JSON array of updates.");
        }

        var updates = new List<ChatResponseUpdate>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            updates.Add(JsonSerializer.Deserialize(ref reader, UpdateTypeInfo) ?? throw new JsonException("A cached update was null."));
        }

        return updates;
    }

    private void Count(string outcome) =>
        _instrumentation?.CacheRequests.Add(1,
            new KeyValuePair<string, object?>(GenAiConventions.CacheKind, "chat"),
            new KeyValuePair<string, object?>(GenAiConventions.CacheOutcome, outcome),
            new KeyValuePair<string, object?>(GenAiConventions.ClientName, _clientName));

    private sealed record CachedAnswer(ChatResponse? Response, List<ChatResponseUpdate>? Updates);
}
