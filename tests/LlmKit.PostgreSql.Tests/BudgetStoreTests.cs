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
