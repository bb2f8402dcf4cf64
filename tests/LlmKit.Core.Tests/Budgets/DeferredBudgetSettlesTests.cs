using LlmKit.Budgets;
using Xunit;

namespace LlmKit.Core.Tests.Budgets;

public sealed class DeferredBudgetSettlesTests
{
    private static BudgetSettlement Settlement(long id) =>
        new(new BudgetReservation(id, "tenant", null, 100, 0.01m, DateTimeOffset.UnixEpoch), 80, 0.008m, DateTimeOffset.UnixEpoch);

    private static async Task WaitUntilNothingPendingAsync(DeferredBudgetSettles settles)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (settles.Pending > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_settle_that_finds_the_store_down_is_pending_until_it_lands_and_lands_once()
    {
        var storeUp = false;
        var landed = new List<long>();
        await using var settles = new DeferredBudgetSettles(
            (s, _) =>
            {
                if (!Volatile.Read(ref storeUp))
                {
                    throw new TimeoutException("store down");
                }

                lock (landed)
                {
                    landed.Add(s.Reservation.Id);
                }

                return Task.CompletedTask;
            },
            e => e is TimeoutException, "Test", TimeSpan.FromMilliseconds(20));

        await settles.SettleAsync(Settlement(1)); // tries at once, then defers (1.3 s of immediate retries)
        Assert.Equal(1, settles.Pending);

        // The background retry has taken it out of the queue by now and keeps trying: still pending.
        await Task.Delay(200);
        Assert.Equal(1, settles.Pending);
        Assert.Empty(landed);

        Volatile.Write(ref storeUp, true);
        await WaitUntilNothingPendingAsync(settles);

        Assert.Equal(0, settles.Pending);
        Assert.Equal([1L], landed);
    }

    [Fact]
    public async Task Dispose_tries_the_settle_the_background_retry_was_holding()
    {
        var attempts = 0;
        var landed = 0;
        var settles = new DeferredBudgetSettles(
            (_, ct) =>
            {
                // Down for the immediate retries and the background ones; up only at dispose (no token to cancel).
                if (Interlocked.Increment(ref attempts) <= 4 || ct.CanBeCanceled)
                {
                    throw new TimeoutException("store down");
                }

                Interlocked.Increment(ref landed);
                return Task.CompletedTask;
            },
            e => e is TimeoutException, "Test", TimeSpan.FromMilliseconds(20));

        await settles.SettleAsync(Settlement(7));
        await Task.Delay(100);
        Assert.Equal(1, settles.Pending);

        await settles.DisposeAsync();

        Assert.Equal(1, landed);
        Assert.Equal(0, settles.Pending);
    }

    [Fact]
    public async Task A_settle_failing_for_a_reason_other_than_an_outage_does_not_stop_the_others()
    {
        var storeUp = false;
        var landed = new List<long>();
        await using var settles = new DeferredBudgetSettles(
            (s, _) =>
            {
                if (!Volatile.Read(ref storeUp))
                {
                    throw new TimeoutException("store down");
                }

                if (s.Reservation.Id == 1)
                {
                    throw new InvalidOperationException("a bug, not an outage");
                }

                lock (landed)
                {
                    landed.Add(s.Reservation.Id);
                }

                return Task.CompletedTask;
            },
            e => e is TimeoutException, "Test", TimeSpan.FromMilliseconds(20));

        await Task.WhenAll(settles.SettleAsync(Settlement(1)).AsTask(), settles.SettleAsync(Settlement(2)).AsTask());
        Assert.Equal(2, settles.Pending);

        Volatile.Write(ref storeUp, true);
        await WaitUntilNothingPendingAsync(settles);

        Assert.Equal(0, settles.Pending);
        Assert.Equal([2L], landed);
    }

    [Fact]
    public async Task An_error_that_is_not_an_outage_reaches_the_caller()
    {
        await using var settles = new DeferredBudgetSettles(
            (_, _) => throw new InvalidOperationException("bug"), e => e is TimeoutException, "Test", TimeSpan.FromMilliseconds(20));

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await settles.SettleAsync(Settlement(1)));
        Assert.Equal(0, settles.Pending);
    }
}
