using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Budgets;

/// <summary>
/// Settles reservations in a shared budget store (a database, Redis) so that no call's usage is lost to an outage:
/// a settle that finds the store unavailable is tried again a few times at once, then kept and retried in the
/// background until the store is back, and tried once more when the store is disposed. For <see cref="IBudgetStore"/>
/// implementations; the caller's call is over by the time it settles, so it never waits for the store to come back.
/// </summary>
/// <remarks>
/// A settle the background retry has taken out and is still trying counts as pending, and is the first tried at
/// dispose. What cannot be settled before shutdown is logged; its lease expires and the store reclaims it.
/// </remarks>
public sealed class DeferredBudgetSettles : IAsyncDisposable
{
    private static readonly TimeSpan[] ImmediateRetryDelays = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1)];

    private readonly Func<BudgetSettlement, CancellationToken, Task> _settle;
    private readonly Func<Exception, bool> _isUnavailable;
    private readonly string _storeName;
    private readonly TimeSpan _backgroundRetryDelay;
    private readonly Action? _onDeferred;
    private readonly ILogger _logger;
    private readonly Channel<BudgetSettlement> _queue = Channel.CreateUnbounded<BudgetSettlement>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _retrier;

    // Counted apart from the queue: the settle the retrier has taken out and still tries is pending too.
    private int _pending;
    private volatile BudgetSettlement? _inRetry;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="DeferredBudgetSettles"/> class and starts its background retry.</summary>
    /// <param name="settle">Writes one settlement to the store; must be idempotent (a retried settle may have landed).</param>
    /// <param name="isUnavailable">Whether an exception means the store is unreachable (worth retrying) rather than a bug.</param>
    /// <param name="storeName">The store's name in log messages, for instance <c>PostgreSQL</c>.</param>
    /// <param name="backgroundRetryDelay">The wait between background tries while the store is down.</param>
    /// <param name="onDeferred">Called when a settle is deferred to the background (to count it), if given.</param>
    /// <param name="logger">Logs deferred and lost settles.</param>
    public DeferredBudgetSettles(
        Func<BudgetSettlement, CancellationToken, Task> settle, Func<Exception, bool> isUnavailable, string storeName,
        TimeSpan backgroundRetryDelay, Action? onDeferred = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settle);
        ArgumentNullException.ThrowIfNull(isUnavailable);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(backgroundRetryDelay, TimeSpan.Zero);
        _settle = settle;
        _isUnavailable = isUnavailable;
        _storeName = storeName;
        _backgroundRetryDelay = backgroundRetryDelay;
        _onDeferred = onDeferred;
        _logger = logger ?? NullLogger.Instance;
        _retrier = Task.Run(RetryInBackgroundAsync);
    }

    /// <summary>Gets how many settles wait for the store to come back.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Settles now, or keeps the settlement for the background retry when the store is unavailable.</summary>
    /// <param name="settlement">The settlement.</param>
    /// <returns>A task that completes when the settle landed or was deferred.</returns>
    /// <exception cref="Exception">Whatever <c>settle</c> throws that is not unavailability.</exception>
    /// <remarks>
    /// Takes no <see cref="CancellationToken"/> on purpose: the model call is over and paid for, so a caller that gives
    /// up must not leave its usage uncounted. The wait is bounded by the immediate retries (about 1.3 s) before the
    /// settle moves to the background.
    /// </remarks>
    public async ValueTask SettleAsync(BudgetSettlement settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await _settle(settlement, CancellationToken.None);
                return;
            }
            catch (Exception e) when (_isUnavailable(e))
            {
                if (attempt < ImmediateRetryDelays.Length)
                {
                    await Task.Delay(ImmediateRetryDelays[attempt]);
                    continue;
                }

                _onDeferred?.Invoke();
                _logger.LogWarning(e, "Settling budget reservation {Id} of tenant {Tenant} failed; it is retried in the background until {Store} is back.",
                    settlement.Reservation.Id, settlement.Reservation.Tenant, _storeName);
                Interlocked.Increment(ref _pending);
                if (!_queue.Writer.TryWrite(settlement))
                {
                    // Disposed meanwhile: the last try happens here rather than in DisposeAsync's drain.
                    await SettleAtShutdownAsync(settlement);
                }

                return;
            }
        }
    }

    /// <summary>Stops the background retry and tries every pending settle once more.</summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        try
        {
            await _retrier;
        }
        catch (OperationCanceledException)
        {
        }

        if (_inRetry is { } interrupted)
        {
            await SettleAtShutdownAsync(interrupted);
        }

        while (_queue.Reader.TryRead(out var settlement))
        {
            await SettleAtShutdownAsync(settlement);
        }

        _stopping.Dispose();
    }

    private async Task SettleAtShutdownAsync(BudgetSettlement settlement)
    {
        try
        {
            await _settle(settlement, CancellationToken.None);
        }
        catch (Exception e) when (_isUnavailable(e))
        {
            _logger.LogError(e, "Budget reservation {Id} of tenant {Tenant} could not be settled before shutdown ({Store} is unavailable); its lease will expire and it will be reclaimed.",
                settlement.Reservation.Id, settlement.Reservation.Tenant, _storeName);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private async Task RetryInBackgroundAsync()
    {
        var token = _stopping.Token;
        while (await _queue.Reader.WaitToReadAsync(token))
        {
            var settlement = await _queue.Reader.ReadAsync(token);
            _inRetry = settlement;
            await SettleUntilDoneAsync(settlement, token); // throws when stopping: DisposeAsync tries _inRetry once more
            _inRetry = null;
            Interlocked.Decrement(ref _pending);
        }
    }

    // Returns when the settle landed, or failed for a reason other than an outage (retrying cannot help, and one bad
    // settlement must not stop the others).
    private async Task SettleUntilDoneAsync(BudgetSettlement settlement, CancellationToken token)
    {
        while (true)
        {
            try
            {
                await _settle(settlement, token);
                return;
            }
            catch (Exception e) when (_isUnavailable(e))
            {
                await Task.Delay(_backgroundRetryDelay, token);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                _logger.LogError(e, "Settling budget reservation {Id} of tenant {Tenant} failed and is not retried; its lease will expire and it will be reclaimed.",
                    settlement.Reservation.Id, settlement.Reservation.Tenant);
                return;
            }
        }
    }
}
