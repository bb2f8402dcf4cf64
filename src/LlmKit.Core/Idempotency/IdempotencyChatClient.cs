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
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMilliseconds(250);

    private readonly IIdempotencyStore _store;
    private readonly IdempotencyOptions _options;
    private readonly string _clientName;
    private readonly string? _defaultModel;
    private readonly TimeProvider _timeProvider;
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
        _options = options ?? new IdempotencyOptions();
        var failures = _options.Validate("IdempotencyOptions").ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _store = store;
        _clientName = clientName;
        _defaultModel = innerClient.GetService<ChatClientMetadata>()?.DefaultModelId;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
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

        var outcome = await ClaimAsync(request, cancellationToken);
        if (outcome.Replay is { } replay)
        {
            return MarkReplay(replay.ToResponse());
        }

        if (outcome.Lease is not { } lease)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken); // the store is down and FailOpen is set
        }

        await using var heartbeat = new Heartbeat(this, lease);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch
        {
            await AbandonAsync(lease);
            throw;
        }

        await heartbeat.StopAsync();
        await CompleteAsync(lease, StoredAnswer.Encode(response), cancellationToken);
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

        var outcome = await ClaimAsync(request, cancellationToken);
        if (outcome.Replay is { } replay)
        {
            foreach (var update in replay.ToUpdates())
            {
                cancellationToken.ThrowIfCancellationRequested();
                LlmKitCallProperties.IdempotentReplay.SetValue(update.AdditionalProperties ??= [], true);
                yield return update;
            }

            yield break;
        }

        if (outcome.Lease is not { } lease)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        var received = new List<ChatResponseUpdate>();
        bool completed = false;
        await using (var heartbeat = new Heartbeat(this, lease))
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
                    await AbandonAsync(lease);
                }
            }

            await heartbeat.StopAsync();
        }

        await CompleteAsync(lease, StoredAnswer.Encode(received), cancellationToken);
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

    /// <summary>Claims the key, or waits until the first call's answer can be replayed or the key is free again.</summary>
    private async Task<Outcome> ClaimAsync(Request request, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var poll = FirstPoll;
        bool claiming = true;
        while (true)
        {
            IdempotencyClaim claim;
            try
            {
                claim = claiming
                    ? await _store.TryBeginAsync(request.ScopedKey, request.Fingerprint, _options.Lease, cancellationToken)
                    : await _store.GetAsync(request.ScopedKey, cancellationToken);
            }
            catch (Exception e) when (_options.FailOpen && e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "The idempotency store cannot be reached; the call with key {Key} runs unprotected (LlmKit:Idempotency:FailOpen).", request.Key);
                return default;
            }

            if (claim.Status == IdempotencyStatus.Started)
            {
                return new Outcome(claim.Lease, null);
            }

            if (claim.Status == IdempotencyStatus.Absent)
            {
                claiming = true; // the first call failed or lapsed: run it here
                continue;
            }

            if (!string.Equals(claim.Fingerprint, request.Fingerprint, StringComparison.Ordinal))
            {
                throw new IdempotencyKeyReusedException(request.Key);
            }

            if (claim.Status == IdempotencyStatus.Completed)
            {
                try
                {
                    if (StoredAnswer.Decode(claim.Result.Span) is { } answer)
                    {
                        return new Outcome(null, answer);
                    }
                }
                catch (JsonException e)
                {
                    _logger.LogWarning(e, "The stored answer for idempotency key {Key} cannot be read.", request.Key);
                }

                throw new InvalidOperationException($"The stored answer for idempotency key '{request.Key}' cannot be read; it was written in another format.");
            }

            // Running elsewhere: poll until it completes, is released, or the wait runs out.
            var waited = _timeProvider.GetElapsedTime(started);
            if (waited >= _options.WaitTimeout)
            {
                throw new IdempotentRequestInProgressException(request.Key, waited);
            }

            await Task.Delay(Min(poll, _options.WaitTimeout - waited), _timeProvider, cancellationToken);
            poll = Min(poll * 2, LongestPoll);
            claiming = false;
        }
    }

    private async Task CompleteAsync(IdempotencyLease lease, byte[] answer, CancellationToken cancellationToken)
    {
        try
        {
            if (!await _store.CompleteAsync(lease, answer, _options.Retention, CancellationToken.None))
            {
                _logger.LogWarning("The claim on an idempotency key of client {Client} lapsed before its call finished; a repeat may have run the request again.", _clientName);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The answer is in hand: return it. Its repeat runs again once the claim lapses.
            _logger.LogWarning(e, "The answer of an idempotent call of client {Client} could not be stored.", _clientName);
        }
    }

    private async Task AbandonAsync(IdempotencyLease lease)
    {
        try
        {
            await _store.AbandonAsync(lease, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The claim lapses with its lease instead.
            _logger.LogWarning(e, "An idempotency claim of client {Client} could not be released; it lapses with its lease.", _clientName);
        }
    }

    private static ChatResponse MarkReplay(ChatResponse response)
    {
        LlmKitCallProperties.IdempotentReplay.SetValue(response.AdditionalProperties ??= [], true);
        return response;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed record Request(string Key, string ScopedKey, string Fingerprint);

    private readonly record struct Outcome(IdempotencyLease? Lease, StoredAnswer? Replay);

    /// <summary>Renews a claim every third of its lease until stopped.</summary>
    private sealed class Heartbeat : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Heartbeat(IdempotencyChatClient owner, IdempotencyLease lease) => _loop = RunAsync(owner, lease, _stop.Token);

        public async Task StopAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
            }

            await _loop;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private static async Task RunAsync(IdempotencyChatClient owner, IdempotencyLease lease, CancellationToken stop)
        {
            var interval = owner._options.Lease / 3;
            try
            {
                while (true)
                {
                    await Task.Delay(interval, owner._timeProvider, stop);
                    if (!await owner._store.RenewAsync(lease, owner._options.Lease, stop))
                    {
                        return; // lost: completing will say so
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                owner._logger.LogWarning(e, "Renewing an idempotency claim of client {Client} failed; it lapses with its lease unless the call ends first.", owner._clientName);
            }
        }
    }
}
