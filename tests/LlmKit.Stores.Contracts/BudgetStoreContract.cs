using LlmKit.Budgets;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// What every <see cref="IBudgetStore"/> must do, through the interface only: reserve, settle and release are atomic
/// and exactly-once; refusals say which budget, whether it is spent or held and when it frees; leases reclaim the
/// holds of callers that died; concurrent reservations never admit more than fits; the token window never holds more
/// than its limit. Times are the caller's (<see cref="BudgetReservationRequest.Now"/>), so every case runs on a fake clock.
/// </summary>
public abstract class BudgetStoreContract : IAsyncLifetime
{
    /// <summary>Noon UTC on an ordinary day: far from midnight, at a whole minute.</summary>
    protected static readonly DateTimeOffset Noon = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private IBudgetStore? _store;

    /// <summary>Gets the store under test, created for each test.</summary>
    protected IBudgetStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>
    /// Gets whether the store counts tokens per minute in a true sliding window. A store that approximates it with the
    /// sliding window counter (the contract allows it) is held to the weaker promise: never more than the limit in any
    /// fixed minute.
    /// </summary>
    protected virtual bool SlidesExactly => true;

    /// <summary>Creates the store under test (state may be shared with other tests: each test uses tenants of its own).</summary>
    /// <returns>The store.</returns>
    protected abstract Task<IBudgetStore> CreateStoreAsync();

    /// <inheritdoc />
    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    [StoreFact]
    public async Task Reserve_holds_the_estimate_settle_replaces_it_and_a_second_settle_or_release_is_a_no_op()
    {
        string tenant = NewTenant();
        var first = await Store.TryReserveAsync(CostRequest(tenant, 0.7m, Noon), default);
        Assert.True(first.IsAdmitted);
        Assert.Equal(Noon + TimeSpan.FromMinutes(10), first.Reservation!.ExpiresAt);

        var held = await Store.TryReserveAsync(CostRequest(tenant, 0.5m, Noon), default);
        Assert.Equal((BudgetKind.CostPerDay, 0.7m, 0.7m), (held.Denial!.Budget, held.Denial.Used, held.Denial.Reserved));

        await Store.SettleAsync(first.Reservation, 50, 0.1m, default);
        await Store.SettleAsync(first.Reservation, 50, 0.1m, default);
        await Store.ReleaseAsync(first.Reservation, default);

        Assert.True((await Store.TryReserveAsync(CostRequest(tenant, 0.5m, Noon), default)).IsAdmitted);
        var full = await Store.TryReserveAsync(CostRequest(tenant, 0.5m, Noon), default);
        Assert.Equal((0.6m, 0.5m), (full.Denial!.Used, full.Denial.Reserved)); // 0.1 settled once, 0.5 held
    }

    [StoreFact]
    public async Task A_refusal_says_whether_the_budget_is_spent_or_only_held_and_when_it_frees()
    {
        string tenant = NewTenant();
        var first = await Store.TryReserveAsync(CostRequest(tenant, 0.7m, Noon), default);
        var held = await Store.TryReserveAsync(CostRequest(tenant, 0.5m, Noon), default);
        Assert.False(held.IsAdmitted);
        Assert.True(held.Denial!.IsHeldByReservations);
        Assert.Equal(first.Reservation!.ExpiresAt, held.Denial.ResetsAt); // the lease bounds it, sooner than midnight

        await Store.SettleAsync(first.Reservation, 100, 0.7m, default);
        var spent = await Store.TryReserveAsync(CostRequest(tenant, 0.5m, Noon), default);
        Assert.False(spent.Denial!.IsHeldByReservations);
        Assert.Equal(new DateTimeOffset(2025, 3, 2, 0, 0, 0, TimeSpan.Zero), spent.Denial.ResetsAt);

        var never = await Store.TryReserveAsync(CostRequest(tenant, 1.5m, Noon), default);
        Assert.Null(never.Denial!.ResetsAt); // more than the whole budget: waiting will not help
    }

    [StoreFact]
    public async Task An_expired_lease_is_reclaimed_and_a_late_settle_still_records_the_usage()
    {
        string tenant = NewTenant();
        var abandoned = await Store.TryReserveAsync(CostRequest(tenant, 0.9m, Noon, lease: TimeSpan.FromSeconds(30)), default);
        Assert.False((await Store.TryReserveAsync(CostRequest(tenant, 0.5m, Noon), default)).IsAdmitted);

        // Another replica, after the lease: the tenant's budget is free again.
        var later = Noon + TimeSpan.FromSeconds(31);
        var admitted = await Store.TryReserveAsync(CostRequest(tenant, 0.5m, later), default);
        Assert.True(admitted.IsAdmitted);

        // The "dead" caller was only slow: its settle still counts what was spent, once.
        await Store.SettleAsync(abandoned.Reservation!, 100, 0.2m, default);
        await Store.SettleAsync(abandoned.Reservation!, 100, 0.2m, default);
        var refused = await Store.TryReserveAsync(CostRequest(tenant, 0.4m, later), default);
        Assert.Equal((0.7m, 0.5m), (refused.Denial!.Used, refused.Denial.Reserved));
        Assert.True((await Store.TryReserveAsync(CostRequest(tenant, 0.3m, later), default)).IsAdmitted);
    }

    [StoreFact]
    public async Task Release_frees_the_whole_estimate_in_every_budget_and_settling_above_it_counts_in_full()
    {
        string tenant = NewTenant();
        var limits = new BudgetLimits { TokensPerMinute = 1000, CostPerDay = 1m };
        var first = await Store.TryReserveAsync(new BudgetReservationRequest(tenant, null, 800, 0.8m, limits, Noon), default);
        await Store.ReleaseAsync(first.Reservation!, default);
        var whole = await Store.TryReserveAsync(new BudgetReservationRequest(tenant, null, 1000, 1m, limits, Noon), default);
        Assert.True(whole.IsAdmitted);
        await Store.ReleaseAsync(whole.Reservation!, default);

        var small = await Store.TryReserveAsync(new BudgetReservationRequest(tenant, null, 10, 0.1m, limits, Noon), default);
        await Store.SettleAsync(small.Reservation!, 20, 0.95m, default);
        var spent = await Store.TryReserveAsync(new BudgetReservationRequest(tenant, null, 10, 0.1m, limits, Noon), default);
        Assert.Equal(BudgetKind.CostPerDay, spent.Denial!.Budget);
        Assert.False(spent.Denial.IsHeldByReservations);
    }

    [StoreFact]
    public async Task A_request_budget_counts_every_call_with_the_request_id_and_tenants_never_share_a_budget()
    {
        string tenant = NewTenant(), other = NewTenant();
        var limits = new BudgetLimits { CostPerRequest = 1m };
        var first = await Store.TryReserveAsync(new BudgetReservationRequest(tenant, "req-a", 10, 0.6m, limits, Noon), default);
        Assert.True(first.IsAdmitted);
        var second = await Store.TryReserveAsync(new BudgetReservationRequest(tenant, "req-a", 10, 0.6m, limits, Noon), default);
        Assert.Equal((BudgetKind.CostPerRequest, 0.6m, 0.6m), (second.Denial!.Budget, second.Denial.Used, second.Denial.Reserved));
        Assert.True(second.Denial.IsHeldByReservations);
        Assert.Equal(first.Reservation!.ExpiresAt, second.Denial.ResetsAt); // held: it frees when the first settles, by its lease at the latest
        Assert.True((await Store.TryReserveAsync(new BudgetReservationRequest(tenant, "req-b", 10, 0.6m, limits, Noon), default)).IsAdmitted);
        Assert.True((await Store.TryReserveAsync(new BudgetReservationRequest(other, "req-a", 10, 0.6m, limits, Noon), default)).IsAdmitted);

        await Store.SettleAsync(first.Reservation!, 10, 0.2m, default);
        Assert.True((await Store.TryReserveAsync(new BudgetReservationRequest(tenant, "req-a", 10, 0.6m, limits, Noon), default)).IsAdmitted);
    }

    [StoreFact]
    public async Task A_thousand_concurrent_cost_reservations_admit_exactly_as_many_as_fit()
    {
        string tenant = NewTenant();
        var limits = new BudgetLimits { CostPerDay = 2.5m };
        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ =>
            Task.Run(() => Store.TryReserveAsync(new BudgetReservationRequest(tenant, null, 1, 0.01m, limits, Noon), default).AsTask())));
        Assert.Equal(250, results.Count(r => r.IsAdmitted));
        Assert.All(results.Where(r => !r.IsAdmitted), r => Assert.Equal(BudgetKind.CostPerDay, r.Denial!.Budget));
        Assert.Equal(250, results.Where(r => r.IsAdmitted).Select(r => r.Reservation!.Id).Distinct().Count());
    }

    [StoreFact]
    public async Task A_thousand_concurrent_token_reservations_admit_exactly_as_many_as_fit()
    {
        string tenant = NewTenant();
        var limits = new BudgetLimits { TokensPerMinute = 100_000 };
        var now = Noon + TimeSpan.FromSeconds(1);
        var results = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ =>
            Task.Run(() => Store.TryReserveAsync(new BudgetReservationRequest(tenant, null, 400, 0, limits, now), default).AsTask())));
        Assert.Equal(250, results.Count(r => r.IsAdmitted));
        Assert.All(results.Where(r => !r.IsAdmitted), r => Assert.Equal(BudgetKind.TokensPerMinute, r.Denial!.Budget));
    }

    [StoreFact]
    public async Task The_token_window_admits_no_more_than_its_limit_in_any_window_position()
    {
        // Two and a half minutes of mixed traffic on a fake clock: reservations of varied size, most settled below their
        // estimate some steps later, some released, some never settled. The test keeps its own account of what each
        // admitted reservation counts at every moment and checks the store against it.
        const long limit = 40_000;
        string tenant = NewTenant();
        var limits = new BudgetLimits { TokensPerMinute = limit };
        var random = new Random(20250301);
        var reference = new InMemoryBudgetStore();
        var open = new List<(BudgetReservation Mine, BudgetReservation Reference, int SettleAt, long Actual)>();
        var counted = new List<(DateTimeOffset At, long Tokens, BudgetReservation Mine)>();
        var now = Noon + TimeSpan.FromMilliseconds(random.Next(0, 60_000));
        int admitted = 0, refused = 0;
        for (int step = 0; step < 700; step++)
        {
            now += TimeSpan.FromMilliseconds(random.Next(0, 430));
            foreach (var due in open.Where(o => o.SettleAt <= step).ToList())
            {
                open.Remove(due);
                if (due.Actual >= 0)
                {
                    await Store.SettleAsync(due.Mine, due.Actual, 0, default);
                    await reference.SettleAsync(due.Reference, due.Actual, 0, default);
                }
                else
                {
                    await Store.ReleaseAsync(due.Mine, default);
                    await reference.ReleaseAsync(due.Reference, default);
                }

                int index = counted.FindIndex(c => ReferenceEquals(c.Mine, due.Mine));
                counted[index] = counted[index] with { Tokens = Math.Max(due.Actual, 0) };
            }

            long tokens = random.Next(50, 600);
            var request = new BudgetReservationRequest(tenant, null, tokens, 0, limits, now);
            var result = await Store.TryReserveAsync(request, default);
            var expected = await reference.TryReserveAsync(request with { Tenant = "reference" }, default);
            if (SlidesExactly)
            {
                Assert.True(expected.IsAdmitted == result.IsAdmitted,
                    $"step {step} at {now:HH:mm:ss.fff}: the store {(result.IsAdmitted ? "admitted" : "refused")} {tokens} tokens, the reference in-memory window {(expected.IsAdmitted ? "admitted" : "refused")} them");
            }

            if (!result.IsAdmitted)
            {
                refused++;
                Assert.Equal(BudgetKind.TokensPerMinute, result.Denial!.Budget);
                if (expected.Reservation is { } stray)
                {
                    await reference.ReleaseAsync(stray, default);
                }

                continue;
            }

            admitted++;
            counted.Add((now, tokens, result.Reservation!));
            var windowStart = SlidesExactly ? now - TimeSpan.FromMinutes(1) : MinuteOf(now) - TimeSpan.FromTicks(1);
            long inWindow = counted.Where(c => c.At > windowStart).Sum(c => c.Tokens);
            Assert.True(inWindow <= limit, $"step {step} at {now:HH:mm:ss.fff}: {inWindow} tokens counted in the window ending now, limit {limit}");

            int roll = random.Next(10);
            long actual = roll switch { < 6 => random.NextInt64(0, tokens + 1), < 8 => -1, _ => -2 };
            if (actual != -2)
            {
                open.Add((result.Reservation!, expected.Reservation ?? result.Reservation!, step + random.Next(0, 8), actual));
            }
        }

        Assert.True(admitted > 100 && refused > 50, $"admitted {admitted}, refused {refused}: the limit did not bind, or bound too hard");
    }

    /// <summary>Returns a tenant name no other test uses.</summary>
    protected static string NewTenant() => "tenant-" + Guid.NewGuid().ToString("N");

    private static BudgetReservationRequest CostRequest(string tenant, decimal cost, DateTimeOffset now, TimeSpan? lease = null) =>
        new(tenant, null, 100, cost, new BudgetLimits { CostPerDay = 1m }, now) { Lease = lease ?? TimeSpan.FromMinutes(10) };

    private static DateTimeOffset MinuteOf(DateTimeOffset now) => new(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
}
