using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.PostgreSql.Budgets;
using LlmKit.Tests.Servers;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.PostgreSql.Tests;

/// <summary>Several app instances (one DI container each, with its own connection pool) against one database.</summary>
public sealed class ReplicaTests(SchemaFixture db) : IClassFixture<SchemaFixture>
{
    // gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    private const decimal SettledCostPerCall = (FakeProvider.InputTokens * 0.15m + FakeProvider.OutputTokens * 0.60m) / 1_000_000m;

    private ServiceProvider Replica(decimal costPerDay)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLlmKit()
            .AddModelCatalog()
            .AddUsageLedger()
            .AddBudgets(o => o.CostPerDay = costPerDay)
            .AddPostgreSql(o => o.ConnectionString = db.ConnectionString + ";Maximum Pool Size=30")
            .AddChatClient("main", new FakeProvider());
        return services.BuildServiceProvider();
    }

    [PostgresFact]
    public async Task Three_replicas_with_failing_and_abandoned_calls_never_overspend_and_the_ledger_matches_the_store()
    {
        // Room for about 1,200 settled calls out of 3,000: reservations (prompt + 100 output tokens) hold more than a
        // call settles at, so admissions race the settlements the way they do in production.
        decimal budget = SettledCostPerCall * 1200;
        const string tenant = "replicated";
        var replicas = Enumerable.Range(0, 3).Select(_ => Replica(budget)).ToArray();
        try
        {
            int admitted = 0, refused = 0, failed = 0, abandoned = 0;
            using var gate = new SemaphoreSlim(48);
            var calls = Enumerable.Range(0, 3000).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var chat = replicas[i % 3].GetRequiredService<ILlmKitChatClients>().GetChatClient("main");
                    var options = new ChatOptions { ModelId = "gpt-4o-mini", MaxOutputTokens = 100 }.WithCallerTags(new CallerTags(tenant));
                    string prompt = i % 10 == 0 ? "please fail" : "hello";
                    try
                    {
                        if (i % 10 == 1)
                        {
                            // The reader walks away after the first chunk.
                            await foreach (var _ in chat.GetStreamingResponseAsync(prompt, options))
                            {
                                Interlocked.Increment(ref abandoned);
                                break;
                            }
                        }
                        else if (i % 2 == 0)
                        {
                            await chat.GetResponseAsync(prompt, options);
                        }
                        else
                        {
                            await foreach (var _ in chat.GetStreamingResponseAsync(prompt, options))
                            {
                            }
                        }

                        Interlocked.Increment(ref admitted);
                    }
                    catch (BudgetExceededException)
                    {
                        Interlocked.Increment(ref refused);
                    }
                    catch (Errors.LlmException)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                finally
                {
                    gate.Release();
                }
            });
            await Task.WhenAll(calls);

            var store = replicas[0].GetRequiredService<PostgresBudgetStore>();
            var (settled, reserved) = await store.GetDayCostAsync(tenant, DateTimeOffset.UtcNow);
            Assert.True(refused > 0, "the budget refused no call: it did not bind");
            Assert.True(admitted > 500, $"only {admitted} calls were admitted");
            Assert.True(failed > 0 && abandoned > 0);
            Assert.True(settled <= budget, $"settled {settled} > budget {budget}");
            Assert.Equal(0m, reserved);
            Assert.Equal(3000, await db.CountAsync($"SELECT count(DISTINCT id) FROM llmkit.usage_entries WHERE tenant = '{tenant}'"));
            await using var sum = db.DataSource.CreateCommand($"SELECT coalesce(sum(cost), 0) FROM llmkit.usage_entries WHERE tenant = '{tenant}'");
            Assert.Equal(settled, (decimal)(await sum.ExecuteScalarAsync())!);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }
}
