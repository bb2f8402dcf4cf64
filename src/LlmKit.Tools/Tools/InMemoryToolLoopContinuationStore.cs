namespace LlmKit.Tools;

/// <summary>Suspended tool loops in process memory, for one app instance and tests; lost when the process ends.</summary>
public sealed class InMemoryToolLoopContinuationStore : IToolLoopContinuationStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredToolLoopContinuation> _loops = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance of the <see cref="InMemoryToolLoopContinuationStore"/> class.</summary>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when omitted.</param>
    public InMemoryToolLoopContinuationStore(TimeProvider? timeProvider = null) => _timeProvider = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<string> SaveAsync(ToolLoopContinuation continuation, TimeSpan timeToLive, string? owner = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        var now = _timeProvider.GetUtcNow();
        string id = Guid.CreateVersion7(now).ToString("N");
        lock (_gate)
        {
            // Expired, unclaimed loops are dropped as new ones arrive, so the store does not grow without bound.
            foreach (var stale in _loops.Values.Where(l => l.ExpiresAt <= now).Select(l => l.Id).ToList())
            {
                _loops.Remove(stale);
            }

            _loops.Add(id, new StoredToolLoopContinuation(id, continuation, owner, now, now + timeToLive, null));
        }

        return ValueTask.FromResult(id);
    }

    /// <inheritdoc />
    public ValueTask<StoredToolLoopContinuation?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            return ValueTask.FromResult(_loops.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<ToolLoopContinuationClaim> TryClaimAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (!_loops.TryGetValue(id, out var loop))
            {
                return ValueTask.FromResult(new ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus.NotFound, null, null));
            }

            if (loop.ClaimedAt is { } claimedAt)
            {
                return ValueTask.FromResult(new ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus.AlreadyClaimed, null, claimedAt));
            }

            if (loop.ExpiresAt <= now)
            {
                return ValueTask.FromResult(new ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus.Expired, null, null));
            }

            var claimed = loop with { ClaimedAt = now };
            _loops[id] = claimed;
            return ValueTask.FromResult(new ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus.Claimed, claimed, now));
        }
    }
}
