using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// The overspend test of a shared budget store: three app instances (one DI container each, each with its own
/// connection) run 3,000 calls of one tenant through the whole pipeline — some failing after admission, some streams
/// abandoned by their reader — against a budget that binds; the store never lets them overspend, holds nothing once they
/// are done, and agrees with the usage ledger to the cent.
/// </summary>
public abstract class BudgetReplicaContract
{
    // gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    private const decimal SettledCostPerCall = FakeProvider.CostPerCall;

    /// <summary>Puts the replica's shared state on the store under test (for example <c>AddRedis(…)</c>).</summary>
    /// <param name="builder">The replica's LlmKit builder.</param>
    protected abstract void AddSharedStore(LlmKitBuilder builder);

    /// <summary>Reads a tenant's settled and reserved cost today from the store, through one replica.</summary>
    /// <param name="replica">A replica's services.</param>
    /// <param name="tenant">The tenant.</param>
    /// <returns>The settled and reserved cost.</returns>
    protected abstract Task<(decimal Settled, decimal Reserved)> GetDayCostAsync(IServiceProvider replica, string tenant);

    [StoreFact]
    public async Task Three_replicas_with_failing_and_abandoned_calls_never_overspend_and_the_ledger_matches_the_store()
    {
        // Room for about 1,200 settled calls out of 3,000: reservations (prompt + 100 output tokens) hold more than a
        // call settles at, so admissions race the settlements the way they do in production.
        decimal budget = SettledCostPerCall * 1200;
        string tenant = "replicated-" + Guid.NewGuid().ToString("N");
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

            var (settled, reserved) = await GetDayCostAsync(replicas[0], tenant);
            Assert.True(refused > 0, "the budget refused no call: it did not bind");
            Assert.True(admitted > 500, $"only {admitted} calls were admitted");
            Assert.True(failed > 0 && abandoned > 0);
            Assert.True(settled <= budget, $"settled {settled} > budget {budget}");
            Assert.Equal(0m, reserved);

            // The ledger: every replica's usage store (one shared table, or one store per process), each entry once.
            var entries = new Dictionary<string, decimal>(StringComparer.Ordinal);
            foreach (var replica in replicas)
            {
                await foreach (var entry in replica.GetRequiredService<IUsageStore>().QueryAsync(new UsageQuery(Tenant: tenant)))
                {
                    entries[entry.Id] = entry.Cost ?? 0;
                }
            }

            Assert.Equal(3000, entries.Count);
            Assert.Equal(settled, entries.Values.Sum());
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private ServiceProvider Replica(decimal costPerDay)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddLlmKit()
            .AddModelCatalog()
            .UseUsageLedger()
            .UseBudgets(o => o.CostPerDay = costPerDay);
        AddSharedStore(builder);
        builder.AddChatClient("main", new FakeProvider());
        return services.BuildServiceProvider();
    }
}
