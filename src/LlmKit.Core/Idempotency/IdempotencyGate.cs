using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Idempotency;

/// <summary>
/// Runs a request once per idempotency key over an <see cref="IIdempotencyStore"/>: <see cref="EnterAsync"/> claims the
/// key, or waits for the request that holds it and hands back its stored result; the caller that got the claim runs the
/// request (with <see cref="KeepAlive"/> renewing the claim) and ends with <see cref="CompleteAsync"/> or
/// <see cref="AbandonAsync"/>. The idempotency stage uses it for model calls; an HTTP endpoint filter or a job handler
/// can use it for whole requests.
/// </summary>
public sealed class IdempotencyGate
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMilliseconds(250);

    private readonly IIdempotencyStore _store;
    private readonly IdempotencyOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="IdempotencyGate"/> class.</summary>
    /// <param name="store">Where keys and results are kept.</param>
    /// <param name="options">Lease, retention, wait timeout and fail-open setting.</param>
    /// <param name="timeProvider">The clock for waiting and heartbeats; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="logger">Logs lost claims and store failures.</param>
    public IdempotencyGate(IIdempotencyStore store, IdempotencyOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var failures = options.Validate("IdempotencyOptions").ToList();
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _store = store;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Claims the key, or waits until the request that holds it has a result to replay or the key is free again.</summary>
    /// <param name="key">The key as the caller gave it (for messages).</param>
    /// <param name="scopedKey">The key as stored: scoped so that callers who must not share results never do (tenant, client, route).</param>
    /// <param name="fingerprint">A fingerprint of the request: a key that comes back with another request is refused.</param>
    /// <param name="cancellationToken">Cancels the claim or the wait.</param>
    /// <returns>The claim to run the request under, the stored result to replay, or neither when the store is down and <see cref="IdempotencyOptions.FailOpen"/> is set.</returns>
    /// <exception cref="IdempotencyKeyReusedException">The key holds another request.</exception>
    /// <exception cref="IdempotentRequestInProgressException">The request that holds the key ran past <see cref="IdempotencyOptions.WaitTimeout"/>.</exception>
    public async Task<IdempotentEntry> EnterAsync(string key, string scopedKey, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(scopedKey);
        ArgumentNullException.ThrowIfNull(fingerprint);
        var started = _timeProvider.GetTimestamp();
        var poll = FirstPoll;
        bool claiming = true;
        while (true)
        {
            IdempotencyClaim claim;
            try
            {
                claim = claiming
                    ? await _store.TryBeginAsync(scopedKey, fingerprint, _options.Lease, cancellationToken)
                    : await _store.GetAsync(scopedKey, cancellationToken);
            }
            catch (Exception e) when (_options.FailOpen && e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "The idempotency store cannot be reached; the request with key {Key} runs unprotected (LlmKit:Idempotency:FailOpen).", key);
                return default;
            }

            switch (claim.Status)
            {
                case IdempotencyStatus.Started:
                    return new IdempotentEntry(claim.Lease, null);
                case IdempotencyStatus.Absent:
                    claiming = true; // the first request failed or lapsed: run it here
                    continue;
            }

            if (!string.Equals(claim.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                throw new IdempotencyKeyReusedException(key);
            }

            if (claim.Status == IdempotencyStatus.Completed)
            {
                return new IdempotentEntry(null, claim.Result);
            }

            // Running elsewhere: poll until it completes, is released, or the wait runs out.
            var waited = _timeProvider.GetElapsedTime(started);
            if (waited >= _options.WaitTimeout)
            {
                throw new IdempotentRequestInProgressException(key, waited);
            }

            var remaining = _options.WaitTimeout - waited;
            await Task.Delay(poll < remaining ? poll : remaining, _timeProvider, cancellationToken);
            poll = poll * 2 < LongestPoll ? poll * 2 : LongestPoll;
            claiming = false;
        }
    }

    /// <summary>Renews a claim every third of <see cref="IdempotencyOptions.Lease"/> until the returned handle is disposed.</summary>
    /// <param name="lease">The claim.</param>
    /// <returns>Dispose it when the request is done (before completing or abandoning).</returns>
    public IAsyncDisposable KeepAlive(IdempotencyLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return new Heartbeat(this, lease);
    }

    /// <summary>Stores the request's result for <see cref="IdempotencyOptions.Retention"/>. A store failure is logged, not thrown: the result is in hand.</summary>
    /// <param name="lease">The claim.</param>
    /// <param name="result">The result.</param>
    /// <returns>A task that completes when the result is stored (or the failure logged).</returns>
    public async Task CompleteAsync(IdempotencyLease lease, ReadOnlyMemory<byte> result)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            if (!await _store.CompleteAsync(lease, result, _options.Retention, CancellationToken.None))
            {
                _logger.LogWarning("The claim on idempotency key {Key} lapsed before its request finished; a repeat may have run the request again.", lease.Key);
            }
        }
        catch (Exception e)
        {
            // Its repeat runs the request again once the claim lapses.
            _logger.LogWarning(e, "The result of the request with idempotency key {Key} could not be stored.", lease.Key);
        }
    }

    /// <summary>Releases the claim of a request that failed, so its repeat runs again. A store failure is logged: the claim then lapses with its lease.</summary>
    /// <param name="lease">The claim.</param>
    /// <returns>A task that completes when the claim is released (or the failure logged).</returns>
    public async Task AbandonAsync(IdempotencyLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            await _store.AbandonAsync(lease, CancellationToken.None);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "The claim on idempotency key {Key} could not be released; it lapses with its lease.", lease.Key);
        }
    }

    /// <summary>Renews a claim every third of its lease until disposed.</summary>
    private sealed class Heartbeat : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Heartbeat(IdempotencyGate gate, IdempotencyLease lease) => _loop = RunAsync(gate, lease, _stop.Token);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }

        private static async Task RunAsync(IdempotencyGate gate, IdempotencyLease lease, CancellationToken stop)
        {
            var interval = gate._options.Lease / 3;
            try
            {
                while (true)
                {
                    await Task.Delay(interval, gate._timeProvider, stop);
                    if (!await gate._store.RenewAsync(lease, gate._options.Lease, stop))
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
                gate._logger.LogWarning(e, "Renewing the claim on idempotency key {Key} failed; it lapses with its lease unless the request ends first.", lease.Key);
            }
        }
    }
}

/// <summary>What <see cref="IdempotencyGate.EnterAsync"/> found.</summary>
/// <param name="Lease">The claim to run the request under, when this caller runs it.</param>
/// <param name="StoredResult">The first request's result, when this caller replays it.</param>
public readonly record struct IdempotentEntry(IdempotencyLease? Lease, ReadOnlyMemory<byte>? StoredResult)
{
    /// <summary>Gets whether neither a claim nor a result came back: the store is down and the request runs unprotected.</summary>
    public bool IsUnprotected => Lease is null && StoredResult is null;
}
