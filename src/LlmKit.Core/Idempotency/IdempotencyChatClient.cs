using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmKit.Caching;
using LlmKit.Pipeline;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Idempotency;

/// <summary>
/// Makes calls that carry an idempotency key (<see cref="IdempotentRequests.WithIdempotencyKey"/>) run once: the first
/// call with a key claims it in an <see cref="IIdempotencyStore"/>, runs, and stores its answer; a repeat returns that
/// answer marked as a replay, or waits for it while the first call still runs. Calls without a key pass through.
/// </summary>
/// <remarks>
/// <para>
/// The stage sits outside every other (<see cref="ChatPipelineOrder.Idempotency"/>), so a replay costs no cache lookup,
/// budget reservation or model call. Keys are scoped by tenant and client; a structured-output re-ask is a request of
/// its own under the same key (its re-ask number is part of the scope), so repeating a whole <c>GetObjectAsync</c>
/// replays each of its model calls in turn. A key that comes back with a different request is refused with
/// <see cref="IdempotencyKeyReusedException"/>.
/// </para>
/// <para>
/// Answers are stored whatever they say (a refusal or a truncation is the request's answer too); a call that throws, or
/// a stream its reader abandons, stores nothing and releases the key, so its repeat runs again. A streamed answer is
/// stored once complete: a repeat that arrives while it streams waits and then receives it whole, as a stream or as a
/// response. Tool-loop runs (<c>RunToolsAsync</c>) pass through: their tools act on the world, so make those tools
/// idempotent, or enqueue the work as a job with an idempotency key.
/// </para>
/// <para>
/// While a call runs, its claim is renewed every third of <see cref="IdempotencyOptions.Lease"/>; if the process dies,
/// the claim lapses and a waiting repeat runs the request instead. When the store cannot be reached the call fails with
/// the store's error, or runs unprotected with <see cref="IdempotencyOptions.FailOpen"/>.
/// </para>
/// </remarks>
public sealed class IdempotencyChatClient : DelegatingChatClient
{
    private readonly IdempotencyGate _gate;
    private readonly string _clientName;
    private readonly string? _defaultModel;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="IdempotencyChatClient"/> class.</summary>
    /// <param name="innerClient">The client to forward first calls to.</param>
    /// <param name="store">Where keys and answers are kept.</param>
    /// <param name="options">The settings; defaults when omitted.</param>
    /// <param name="clientName">The LlmKit client name, part of every key's scope.</param>
    /// <param name="timeProvider">The clock for waiting and heartbeats; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="logger">Logs lost claims and store failures.</param>
    public IdempotencyChatClient(
        IChatClient innerClient,
        IIdempotencyStore store,
        IdempotencyOptions? options = null,
        string clientName = "",
        TimeProvider? timeProvider = null,
        ILogger<IdempotencyChatClient>? logger = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clientName);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _gate = new IdempotencyGate(store, options ?? new IdempotencyOptions(), timeProvider, _logger);
        _clientName = clientName;
        _defaultModel = innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (RequestFor(ref messages, options) is not { } request)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        var entry = await _gate.EnterAsync(request.Key, request.ScopedKey, request.Fingerprint, cancellationToken);
        if (entry.StoredResult is { } stored)
        {
            return MarkReplay(Decode(stored, request.Key).ToResponse());
        }

        if (entry.Lease is not { } lease)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken); // the store is down and FailOpen is set
        }

        ChatResponse response;
        await using (_gate.KeepAlive(lease))
        {
            try
            {
                response = await base.GetResponseAsync(messages, options, cancellationToken);
            }
            catch
            {
                await _gate.AbandonAsync(lease);
                throw;
            }
        }

        await _gate.CompleteAsync(lease, StoredAnswer.Encode(response));
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (RequestFor(ref messages, options) is not { } request)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        var entry = await _gate.EnterAsync(request.Key, request.ScopedKey, request.Fingerprint, cancellationToken);
        if (entry.StoredResult is { } stored)
        {
            foreach (var update in Decode(stored, request.Key).ToUpdates())
            {
                cancellationToken.ThrowIfCancellationRequested();
                LlmKitCallProperties.IdempotentReplay.SetValue(update.AdditionalProperties ??= [], true);
                yield return update;
            }

            yield break;
        }

        if (entry.Lease is not { } lease)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        var received = new List<ChatResponseUpdate>();
        bool completed = false;
        await using (_gate.KeepAlive(lease))
        {
            try
            {
                await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
                {
                    received.Add(update);
                    yield return update;
                }

                completed = true;
            }
            finally
            {
                // A failed or abandoned stream is no answer: release the key so the repeat runs the request again.
                if (!completed)
                {
                    await _gate.AbandonAsync(lease);
                }
            }
        }

        await _gate.CompleteAsync(lease, StoredAnswer.Encode(received));
    }

    private Request? RequestFor(ref IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        if (!LlmKitCallProperties.IdempotencyKey.TryGetValue(options, out string? key) || LlmKitCallProperties.ToolLoopRun.TryGetValue(options, out _))
        {
            return null;
        }

        IdempotentRequests.ValidateKey(key);

        // The fingerprint enumerates the messages once and the inner client again, so a lazy sequence is materialized first.
        if (messages is not IReadOnlyCollection<ChatMessage>)
        {
            messages = messages.ToList();
        }

        string tenant = CallerTags.Of(options).Tenant ?? Budgets.BudgetConstants.DefaultTenant;
        int reask = LlmKitCallProperties.Reask.GetValueOrDefault(options);
        string scoped = reask > 0 ? $"{tenant}\n{_clientName}\n{key}\n{reask}" : $"{tenant}\n{_clientName}\n{key}";
        string fingerprint = ChatCacheKey.Compute("", _clientName, options?.ModelId ?? _defaultModel, null, messages, options);
        return new Request(key, scoped, fingerprint);
    }

    private StoredAnswer Decode(ReadOnlyMemory<byte> stored, string key)
    {
        try
        {
            if (StoredAnswer.Decode(stored.Span) is { } answer)
            {
                return answer;
            }
        }
        catch (JsonException e)
        {
            _logger.LogWarning(e, "The stored answer for idempotency key {Key} of client {Client} cannot be read.", key, _clientName);
        }

        throw new InvalidOperationException($"The stored answer for idempotency key '{key}' cannot be read; it was written in another format.");
    }

    private static ChatResponse MarkReplay(ChatResponse response)
    {
        LlmKitCallProperties.IdempotentReplay.SetValue(response.AdditionalProperties ??= [], true);
        return response;
    }

    private sealed record Request(string Key, string ScopedKey, string Fingerprint);
}
