using LlmKit.PostgreSql.Usage;
using LlmKit.Tests.Servers;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace LlmKit.PostgreSql.Tests;

public sealed class UsageStoreTests(SchemaFixture db) : IClassFixture<SchemaFixture>
{
    private static readonly DateTimeOffset Day = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static UsageEntry Entry(string tenant, string feature, string model, decimal cost, DateTimeOffset at) => new()
    {
        Timestamp = at, ClientName = "main", Tenant = tenant, Feature = feature, ServedModel = model, RequestedModel = model,
        InputTokens = 10, OutputTokens = 5, Cost = cost, Latency = TimeSpan.FromMilliseconds(120), FinishReason = ChatFinishReason.Stop,
        LogicalCallId = "call", Route = UsageRoute.Fallback,
    };

    [PostgresFact]
    public async Task A_retried_write_never_counts_twice_and_every_field_round_trips()
    {
        var store = new PostgresUsageStore(db.Database);
        var entry = Entry("idem", "chat", "gpt-4o-mini", 0.5m, Day) with { TimeToFirstChunk = TimeSpan.FromMilliseconds(30), IsStreaming = true, Attempt = 2, Reask = 1, ToolTurn = 3 };
        await store.WriteAsync(entry, default);
        await store.WriteAsync(entry, default);
        Assert.Equal(0, await store.WriteBatchAsync([entry]));

        var read = new List<UsageEntry>();
        await foreach (var e in store.QueryAsync(new UsageQuery(Tenant: "idem")))
        {
            read.Add(e);
        }

        Assert.Equal(entry, Assert.Single(read));
    }

    [PostgresFact]
    public async Task Totals_per_tenant_feature_model_and_day_and_top_spenders_come_from_indexes()
    {
        var store = new PostgresUsageStore(db.Database);
        var entries = new List<UsageEntry>();
        for (int i = 0; i < 60; i++)
        {
            entries.Add(Entry($"tenant{i % 3}", i % 2 == 0 ? "search" : "chat", i % 4 == 0 ? "big" : "small", (i % 3) + 1, Day.AddHours(i)));
        }

        await store.WriteBatchAsync(entries);
        var firstDay = await store.GetTotalsAsync(UsageGrouping.Tenant, Day, Day.AddDays(1));
        Assert.Equal<string?>(["tenant2", "tenant1", "tenant0"], firstDay.Select(t => t.Key).ToList());
        Assert.Equal(8 * 3m, firstDay[0].Cost);
        var days = await store.GetTotalsAsync(UsageGrouping.Day, Day, Day.AddDays(3));
        Assert.Equal(60, days.Sum(d => d.Calls));
        Assert.Contains(days, d => d.Key == "2025-03-01" && d.Calls == 24);
        Assert.Equal(40m, (await store.GetTotalsAsync(UsageGrouping.Tenant, Day, Day.AddDays(3), tenant: "tenant1")).Single().Cost);
        Assert.Equal("tenant2", (await store.GetTopSpendersAsync(Day, Day.AddDays(3), 1)).Single().Key);
        Assert.Equal(2, (await store.GetTotalsAsync(UsageGrouping.Model, Day, Day.AddDays(3))).Count);

        // With sequential scans ruled out the planner must still find a plan: an index serves the query.
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await using (var off = new Npgsql.NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var explain = new Npgsql.NpgsqlCommand(
            "EXPLAIN SELECT tenant, count(*), sum(cost) FROM llmkit.usage_entries WHERE tenant = 'tenant1' AND started_at >= '2025-03-01' AND started_at < '2025-03-04' GROUP BY tenant", connection);
        var plan = string.Join('\n', await ReadAllAsync(explain));
        Assert.Contains("Index", plan);
        Assert.DoesNotContain("Seq Scan", plan);

        Assert.Equal(24, await store.DeleteOlderThanAsync(Day.AddDays(1)));
    }

    private static async Task<List<string>> ReadAllAsync(Npgsql.NpgsqlCommand command)
    {
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }
}
