using System.Threading.RateLimiting;

namespace LlmKit.Resilience.Timeout;

/// <summary>The lifetime of one call through the resilience stage: its concurrency permit and its total deadline.</summary>
internal sealed class CallDeadline : IDisposable
{
    private readonly RateLimitLease? _lease;
    private readonly CancellationTokenSource? _deadlineSource;
    private readonly CancellationTokenSource? _linked;

    public CallDeadline(TimeSpan total, TimeProvider timeProvider, RateLimitLease? lease, CancellationToken cancellationToken)
    {
        _lease = lease;
        Total = total;
        if (total == System.Threading.Timeout.InfiniteTimeSpan)
        {
            Token = cancellationToken;
            return;
        }

        Deadline = timeProvider.GetUtcNow() + total;
        _deadlineSource = new CancellationTokenSource(total, timeProvider);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadlineSource.Token);
        Token = _linked.Token;
    }

    /// <summary>Gets the token of the whole call: the caller's, cancelled also when the deadline passes.</summary>
    public CancellationToken Token { get; }

    /// <summary>Gets the total timeout.</summary>
    public TimeSpan Total { get; }

    /// <summary>Gets the deadline, or <see langword="null"/> when the call has none.</summary>
    public DateTimeOffset? Deadline { get; }

    public bool Expired => _deadlineSource?.IsCancellationRequested == true;

    public void Dispose()
    {
        _linked?.Dispose();
        _deadlineSource?.Dispose();
        _lease?.Dispose();
    }
}
