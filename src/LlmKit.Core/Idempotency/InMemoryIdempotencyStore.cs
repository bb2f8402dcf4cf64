namespace LlmKit.Idempotency;

/// <summary>
/// Idempotency keys in process memory, for one app instance (several replicas need a shared store). Thread-safe; times
/// come from the <see cref="TimeProvider"/>. Expired keys are dropped as they are met and by a sweep every few hundred
/// claims, so memory stays bounded by the keys of the last retention period.
/// </summary>
public sealed class InMemoryIdempotencyStore : IIdempotencyStore
{
    private const int SweepEvery = 256;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private int _claimsSinceSweep;

    /// <summary>Initializes a new instance of the <see cref="InMemoryIdempotencyStore"/> class.</summary>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when omitted.</param>
    public InMemoryIdempotencyStore(TimeProvider? timeProvider = null) => _timeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>Gets how many keys are held (running or completed, expired ones not yet swept included).</summary>
    public int Count
    {
        get
        {
            lock (_entries)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IdempotencyClaim> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _timeProvider.GetUtcNow();
        lock (_entries)
        {
            if (++_claimsSinceSweep >= SweepEvery)
            {
                _claimsSinceSweep = 0;
                foreach (var (k, e) in _entries)
                {
                    if (e.ExpiresAt <= now)
                    {
                        _entries.Remove(k);
                    }
                }
            }

            if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now)
            {
                return ValueTask.FromResult(entry.ToClaim());
            }

            var claim = new IdempotencyLease(key, Guid.NewGuid());
            _entries[key] = new Entry(fingerprint, claim.Token, now + lease, null);
            return ValueTask.FromResult(new IdempotencyClaim(IdempotencyStatus.Started, fingerprint, claim, default));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RenewAsync(IdempotencyLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        return ValueTask.FromResult(Update(lease, (entry, now) => entry with { ExpiresAt = now + duration }));
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteAsync(IdempotencyLease lease, ReadOnlyMemory<byte> result, TimeSpan retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        byte[] copy = result.ToArray(); // the caller may reuse its buffer
        return ValueTask.FromResult(Update(lease, (entry, now) => entry with { ExpiresAt = now + retention, Result = copy }));
    }

    /// <inheritdoc />
    public ValueTask AbandonAsync(IdempotencyLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        Update(lease, static (_, _) => null);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IdempotencyClaim> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var now = _timeProvider.GetUtcNow();
        lock (_entries)
        {
            return ValueTask.FromResult(_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now ? entry.ToClaim() : IdempotencyClaim.Absent);
        }
    }

    /// <summary>Applies a change to a running claim held by <paramref name="lease"/>; a <see langword="null"/> change removes it.</summary>
    private bool Update(IdempotencyLease lease, Func<Entry, DateTimeOffset, Entry?> change)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_entries)
        {
            if (!_entries.TryGetValue(lease.Key, out var entry) || entry.Token != lease.Token || entry.Result is not null || entry.ExpiresAt <= now)
            {
                return false;
            }

            if (change(entry, now) is { } changed)
            {
                _entries[lease.Key] = changed;
            }
            else
            {
                _entries.Remove(lease.Key);
            }

            return true;
        }
    }

    private sealed record Entry(string Fingerprint, Guid Token, DateTimeOffset ExpiresAt, byte[]? Result)
    {
        public IdempotencyClaim ToClaim() => Result is null
            ? new IdempotencyClaim(IdempotencyStatus.Running, Fingerprint, null, default)
            : new IdempotencyClaim(IdempotencyStatus.Completed, Fingerprint, null, Result);
    }
}
