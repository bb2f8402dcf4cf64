using LlmKit.Budgets;
using LlmKit.PostgreSql.Budgets;
using LlmKit.Tests.Servers;
using Microsoft.Extensions.Options;

namespace LlmKit.PostgreSql.Tests;

public sealed class BudgetStoreTests(SchemaFixture db) : IClassFixture<SchemaFixture>
{
    private static readonly DateTimeOffset Noon = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private PostgresBudgetStore Store(bool failOpen = false) =>
        new(db.Database, Options.Create(new PostgreSqlOptions { BudgetsFailOpen = failOpen }));

    private static BudgetReservationRequest Request(string tenant, decimal cost, DateTimeOffset now, decimal perDay = 1m, TimeSpan? lease = null) =>
        new(tenant, null, 100, cost, new BudgetLimits { CostPerDay = perDay }, now) { Lease = lease ?? TimeSpan.FromMinutes(10) };

    [PostgresFact]
    public async Task Reserve_holds_the_estimate_settle_replaces_it_and_a_second_settle_is_a_no_op()
    {
        await using var store = Store();
        var reserved = await store.TryReserveAsync(Request("t1", 0.4m, Noon), default);
        Assert.True(reserved.IsAdmitted);
        Assert.Equal(Noon + TimeSpan.FromMinutes(10), reserved.Reservation!.ExpiresAt);
        Assert.Equal((0m, 0.4m), await store.GetDayCostAsync("t1", Noon));

        await store.SettleAsync(reserved.Reservation, 50, 0.1m, default);
        await store.SettleAsync(reserved.Reservation, 50, 0.1m, default);
        await store.ReleaseAsync(reserved.Reservation, default);
        Assert.Equal((0.1m, 0m), await store.GetDayCostAsync("t1", Noon));
    }

    [PostgresFact]
    public async Task A_refusal_says_whether_the_budget_is_spent_or_only_held_and_when_it_frees()
    {
        await using var store = Store();
        var first = await store.TryReserveAsync(Request("t2", 0.7m, Noon), default);
        var held = await store.TryReserveAsync(Request("t2", 0.5m, Noon), default);
        Assert.False(held.IsAdmitted);
        Assert.Equal(BudgetKind.CostPerDay, held.Denial!.Budget);
        Assert.True(held.Denial.IsHeldByReservations);
        Assert.Equal(0.7m, held.Denial.Reserved);
        Assert.Equal(first.Reservation!.ExpiresAt, held.Denial.ResetsAt); // the lease bounds it, sooner than midnight

        var exception = new BudgetExceededException(held.Denial, "t2", null, Noon);
        Assert.True(exception.IsHeldByReservations);
        Assert.Contains("not spent", exception.Message);

        await store.SettleAsync(first.Reservation, 100, 0.7m, default);
        var spent = await store.TryReserveAsync(Request("t2", 0.5m, Noon), default);
        Assert.False(spent.Denial!.IsHeldByReservations);
        Assert.Equal(new DateTimeOffset(2025, 3, 2, 0, 0, 0, TimeSpan.Zero), spent.Denial.ResetsAt);
    }

    [PostgresFact]
    public async Task An_expired_lease_is_reclaimed_and_a_late_settle_still_records_the_usage()
    {
        await using var store = Store();
        var abandoned = await store.TryReserveAsync(Request("t3", 0.9m, Noon, lease: TimeSpan.FromSeconds(30)), default);
        Assert.False((await store.TryReserveAsync(Request("t3", 0.5m, Noon), default)).IsAdmitted);

        // Another replica, after the lease: the tenant's budget is free again.
        var later = Noon + TimeSpan.FromSeconds(31);
        var admitted = await store.TryReserveAsync(Request("t3", 0.5m, later), default);
        Assert.True(admitted.IsAdmitted);
        Assert.Equal((0m, 0.5m), await store.GetDayCostAsync("t3", Noon));

        // The "dead" caller was only slow: its settle still counts what was spent.
        await store.SettleAsync(abandoned.Reservation!, 100, 0.2m, default);
        Assert.Equal((0.2m, 0.5m), await store.GetDayCostAsync("t3", Noon));
    }

    [PostgresFact]
    public async Task The_maintenance_sweep_reclaims_every_tenants_expired_reservations()
    {
        await using var store = Store();
        for (int i = 0; i < 3; i++)
        {
            await store.TryReserveAsync(Request($"sweep{i}", 0.1m, Noon, lease: TimeSpan.FromSeconds(5)), default);
        }

        Assert.Equal(0, await store.ReclaimExpiredAsync(Noon + TimeSpan.FromSeconds(4)));
        Assert.Equal(3, await store.ReclaimExpiredAsync(Noon + TimeSpan.FromSeconds(6)));
        Assert.Equal((0m, 0m), await store.GetDayCostAsync("sweep1", Noon));
    }

    [PostgresFact]
    public async Task A_tenant_override_in_the_database_wins_over_the_configured_limit_on_every_replica()
    {
        await using var store = Store();
        await store.SetTenantLimitsAsync("vip", new BudgetLimits { CostPerDay = 10m });
        Assert.True((await store.TryReserveAsync(Request("vip", 5m, Noon, perDay: 1m), default)).IsAdmitted);
        await store.SetTenantLimitsAsync("vip", null);
        Assert.False((await store.TryReserveAsync(Request("vip", 5m, Noon, perDay: 1m), default)).IsAdmitted);
    }

    [PostgresFact]
    public async Task The_token_window_slides_across_minutes_like_the_in_memory_store_within_the_counter_estimate()
    {
        await using var store = Store();
        var limits = new BudgetLimits { TokensPerMinute = 250 };
        var t0 = Noon;
        var a = await store.TryReserveAsync(new BudgetReservationRequest("tpm", null, 100, 0, limits, t0), default);
        var b = await store.TryReserveAsync(new BudgetReservationRequest("tpm", null, 100, 0, limits, t0.AddSeconds(10)), default);
        var refused = await store.TryReserveAsync(new BudgetReservationRequest("tpm", null, 100, 0, limits, t0.AddSeconds(20)), default);
        Assert.True(a.IsAdmitted && b.IsAdmitted);
        Assert.Equal(BudgetKind.TokensPerMinute, refused.Denial!.Budget);
        Assert.NotNull(refused.Denial.ResetsAt);

        // 45 s into the next minute the previous minute weighs a quarter: 200 × 0.25 + 100 fits under 250.
        var next = await store.TryReserveAsync(new BudgetReservationRequest("tpm", null, 100, 0, limits, t0.AddSeconds(105)), default);
        Assert.True(next.IsAdmitted);
    }
}
