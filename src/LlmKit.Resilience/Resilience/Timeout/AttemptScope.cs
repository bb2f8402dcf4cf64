namespace LlmKit.Resilience.Timeout;

/// <summary>The cancellation of one attempt: the attempt timeout on the stage's clock, linked to its parent.</summary>
internal sealed class AttemptScope : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly TimeProvider _timeProvider;
    private ITimer? _timer;
    private ITimer? _idleTimer;
    private CancellationTokenRegistration _bridge;
    private int _timedOut;

    public AttemptScope(TimeSpan timeout, TimeProvider timeProvider, CancellationToken parent)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(parent);
        _timeProvider = timeProvider;
        if (timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            _timer = timeProvider.CreateTimer(static s => ((AttemptScope)s!).Expire(), this, timeout, System.Threading.Timeout.InfiniteTimeSpan);
        }
    }

    public CancellationToken Token => _source.Token;

    public bool TimedOut => Volatile.Read(ref _timedOut) == 1;

    /// <summary>Lets a second token (Polly's: a hedge loser, a spent deadline) cancel the attempt until <see cref="Detach"/>.</summary>
    public void Bridge(CancellationToken token) =>
        _bridge = token.UnsafeRegister(static s => ((AttemptScope)s!).Cancel(), this);

    /// <summary>Ends the time-to-first-update phase: no attempt timeout and no hedge cancellation from here on.</summary>
    public void Detach()
    {
        _bridge.Dispose();
        Interlocked.Exchange(ref _timer, null)?.Dispose();
    }

    /// <summary>Starts (or restarts) the wait for the next streamed update.</summary>
    public void ArmIdle(TimeSpan timeout)
    {
        if (timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            return;
        }

        _idleTimer ??= _timeProvider.CreateTimer(static s => ((AttemptScope)s!).Expire(), this, System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);
        _idleTimer.Change(timeout, System.Threading.Timeout.InfiniteTimeSpan);
    }

    public void DisarmIdle() => _idleTimer?.Change(System.Threading.Timeout.InfiniteTimeSpan, System.Threading.Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        Detach();
        _idleTimer?.Dispose();
        _source.Dispose();
    }

    private void Expire()
    {
        Interlocked.Exchange(ref _timedOut, 1);
        Cancel();
    }

    private void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The attempt already finished; nothing left to cancel.
        }
    }
}
