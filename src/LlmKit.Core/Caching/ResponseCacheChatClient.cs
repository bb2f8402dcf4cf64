using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmKit.ChatCompletion;
using LlmKit.Telemetry;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Caching;

/// <summary>
/// An exact-match response cache for deterministic requests (see <see cref="ResponseCacheOptions"/> for what is and is
/// not cached), over a <see cref="HybridCache"/> or an <see cref="IDistributedCache"/>. Streaming answers are stored once
/// complete and replayed as a stream; a streamed answer can serve a non-streaming call and the other way round.
/// </summary>
/// <remarks>
/// <para>
/// Over <see cref="HybridCache"/>, concurrent identical non-streaming calls are coalesced: one reaches the model and the
/// others wait for its outcome and share it, the answer (marked as a cache hit), an answer not to be stored (a refusal
/// or truncation, not stored but shared), or its exception. Entries carry tags
/// (<see cref="ResponseCacheTags.ForPromptVersion"/>, <see cref="ResponseCacheTags.ForClient"/>) for
/// <see cref="HybridCache.RemoveByTagAsync(string, CancellationToken)"/>. Streaming calls are not coalesced: each caller
/// wants its own live stream.
/// </para>
/// <para>
/// Over <see cref="IDistributedCache"/>, only finished answers are stored, never in-flight calls, so concurrent
/// identical requests may each reach the model once; a failure is never shared between callers.
/// </para>
/// <para>A cache that fails to read or write is logged and bypassed: the cache can make a call cheaper, never make it fail.</para>
/// </remarks>
public sealed class ResponseCacheChatClient : DelegatingChatClient
{
    private readonly ResponseCacheStore _store;
    private readonly ResponseCacheOptions _options;
    private readonly string _clientName;
    private readonly string? _defaultModel;
    private readonly float? _defaultTemperature;
    private readonly LlmKitInstrumentation? _instrumentation;
    private readonly ILogger _logger;
    private readonly string[] _defaultTags;

    /// <summary>Initializes a new instance of the <see cref="ResponseCacheChatClient"/> class over an <see cref="IDistributedCache"/>.</summary>
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
        : this(innerClient, options, clientName, clientDefaults, instrumentation, logger,
            (o, log) => new DistributedResponseCacheStore(cache ?? throw new ArgumentNullException(nameof(cache)), o.Expiration, log, clientName))
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="ResponseCacheChatClient"/> class over a <see cref="HybridCache"/>:
    /// concurrent identical calls are coalesced into one model call, and entries are tagged for invalidation.
    /// </summary>
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
        HybridCache cache,
        ResponseCacheOptions? options = null,
        string clientName = "",
        DependencyInjection.LlmKitClientOptions? clientDefaults = null,
        LlmKitInstrumentation? instrumentation = null,
        ILogger<ResponseCacheChatClient>? logger = null)
        : this(innerClient, options, clientName, clientDefaults, instrumentation, logger,
            (o, log) => new HybridResponseCacheStore(cache ?? throw new ArgumentNullException(nameof(cache)), o.Expiration, log, clientName))
    {
    }

    private ResponseCacheChatClient(
        IChatClient innerClient,
        ResponseCacheOptions? options,
        string clientName,
        DependencyInjection.LlmKitClientOptions? clientDefaults,
        LlmKitInstrumentation? instrumentation,
        ILogger<ResponseCacheChatClient>? logger,
        Func<ResponseCacheOptions, ILogger, ResponseCacheStore> store)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(clientName);
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
        _store = store(_options, _logger);
        _defaultTags = TagsFor(_options.PromptVersion);
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (LookupFor(ref messages, options) is not { } lookup)
        {
            Count("bypass");
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        // The model call that fills the entry on a miss. A caller that joins another caller's call (HybridCache
        // coalescing) runs none of its own, so its `call.Fresh` stays null and it reads the entry that call produced.
        var call = new MissCall(this, messages, options);
        byte[] entry;
        try
        {
            entry = await _store.GetOrCreateAsync(lookup.Key, call, static (c, ct) => c.RunAsync(ct), lookup.Tags, cancellationToken);
        }
        catch (UnstorableAnswerException unstorable)
        {
            if (call.Fresh is { } own)
            {
                Count("miss");
                return own;
            }

            // The call this one joined answered with something not worth storing (a refusal, a truncation): share it,
            // since asking the same deterministic question again at the same moment would not do better.
            Count("hit");
            return MarkHit(Decode(unstorable.Entry)!.ToResponse());
        }

        if (call.Fresh is { } fresh)
        {
            Count("miss");
            return fresh;
        }

        if (Decode(entry) is { } cached)
        {
            Count("hit");
            return MarkHit(cached.ToResponse());
        }

        // An entry that cannot be read (written by another format, or damaged): ask the model and replace it.
        Count("miss");
        var replacement = await base.GetResponseAsync(messages, options, cancellationToken);
        if (IsStorable(replacement))
        {
            await _store.WriteAsync(lookup.Key, StoredAnswer.Encode(replacement), lookup.Tags, cancellationToken);
        }

        return replacement;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (LookupFor(ref messages, options) is not { } lookup)
        {
            Count("bypass");
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        if (await _store.ReadAsync(lookup.Key, cancellationToken) is { } entry && Decode(entry) is { } cached)
        {
            Count("hit");
            foreach (var update in cached.ToUpdates())
            {
                cancellationToken.ThrowIfCancellationRequested();
                LlmKitCallProperties.CacheHit.SetValue(update.AdditionalProperties ??= [], true);
                yield return update;
            }

            yield break;
        }

        // Not coalesced, even over HybridCache: every caller wants its own live stream, not a replay after the end.
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
            await _store.WriteAsync(lookup.Key, StoredAnswer.Encode(received), lookup.Tags, cancellationToken);
        }
    }

    private Lookup? LookupFor(ref IEnumerable<ChatMessage> messages, ChatOptions? options)
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
        string key = ChatCacheKey.Compute(_options.KeyPrefix, _clientName, options?.ModelId ?? _defaultModel, promptVersion, messages, options);
        return new Lookup(key, promptVersion == _options.PromptVersion ? _defaultTags : TagsFor(promptVersion));
    }

    private string[] TagsFor(string? promptVersion) => promptVersion is { Length: > 0 }
        ? [ResponseCacheTags.ForClient(_clientName, _options.KeyPrefix), ResponseCacheTags.ForPromptVersion(promptVersion, _options.KeyPrefix)]
        : [ResponseCacheTags.ForClient(_clientName, _options.KeyPrefix)];

    private static ChatResponse MarkHit(ChatResponse response)
    {
        LlmKitCallProperties.CacheHit.SetValue(response.AdditionalProperties ??= [], true);
        return response;
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

    /// <summary>Reads an entry; <see langword="null"/> (logged) when it is not one this version wrote.</summary>
    private StoredAnswer? Decode(byte[] entry)
    {
        try
        {
            return StoredAnswer.Decode(entry);
        }
        catch (JsonException ex)
        {
            _logger.LogWarning(ex, "A response cache entry of client {Client} could not be read; calling the model instead.", _clientName);
            return null;
        }
    }

    private void Count(string outcome) =>
        _instrumentation?.CacheRequests.Add(1,
            new KeyValuePair<string, object?>(GenAiConventions.CacheKind, "chat"),
            new KeyValuePair<string, object?>(GenAiConventions.CacheOutcome, outcome),
            new KeyValuePair<string, object?>(GenAiConventions.ClientName, _clientName));

    private readonly record struct Lookup(string Key, string[] Tags);

    /// <summary>The model call behind a miss, run at most once; the caller whose call ran finds its answer in <see cref="Fresh"/>.</summary>
    private sealed class MissCall(ResponseCacheChatClient owner, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        public ChatResponse? Fresh { get; private set; }

        public async ValueTask<byte[]> RunAsync(CancellationToken cancellationToken)
        {
            var fresh = await owner.InnerClient.GetResponseAsync(messages, options, cancellationToken);
            Fresh = fresh;
            byte[] entry = StoredAnswer.Encode(fresh);
            // Thrown, not returned, so the store keeps nothing; callers that joined this call still get the answer.
            return IsStorable(fresh) ? entry : throw new UnstorableAnswerException(entry);
        }
    }

    /// <summary>Carries an answer that must not be stored out of the store's create callback.</summary>
    private sealed class UnstorableAnswerException(byte[] entry) : Exception("The answer is not to be cached (refusal, truncation, filtered or error content).")
    {
        public byte[] Entry { get; } = entry;
    }
}
