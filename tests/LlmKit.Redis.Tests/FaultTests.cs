using LlmKit.Budgets;
using LlmKit.RateLimits;
using LlmKit.Redis.Budgets;
using LlmKit.Redis.RateLimits;
using LlmKit.Redis.Sessions;
using LlmKit.Sessions;
using Microsoft.Extensions.AI;
using LlmKit.Tests.Servers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LlmKit.Redis.Tests;

/// <summary>A redis-server of the test's own, killed, restarted, or cut off from its clients under the stores.</summary>
public sealed class FaultTests
{
    private static readonly DateTimeOffset Noon = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static BudgetReservationRequest Request(string tenant, decimal cost = 0.1m, TimeSpan? lease = null) =>
        new(tenant, null, 100, cost, new BudgetLimits { CostPerDay = 1m, TokensPerMinute = 1_000_000 }, Noon) { Lease = lease ?? TimeSpan.FromMinutes(10) };

    [RedisFact]
    public async Task A_host_whose_redis_is_unreachable_fails_to_start_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        int port = FreePort();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:Redis:Configuration"] = $"127.0.0.1:{port},connectTimeout=500",
        });
        builder.Services.AddLlmKit().UseBudgets(o => o.CostPerDay = 1m).AddRedis();
        using var host = builder.Build();
        var failure = await Assert.ThrowsAsync<RedisUnavailableException>(() => host.StartAsync());
        Assert.Contains("LlmKit:Redis:Configuration", failure.Message);
        Assert.Contains($"127.0.0.1:{port}", failure.Message);
    }

    [RedisFact]
    public async Task A_missing_or_malformed_configuration_fails_validation_naming_its_key()
    {
        foreach (var (configuration, expected) in new[] { ((string?)null, "LlmKit:Redis:Configuration is required"), ("localhost:6379,connectTimeout=soon", "LlmKit:Redis:Configuration is not a valid") })
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Services.AddLlmKit().AddRedis(o => o.Configuration = configuration);
            using var host = builder.Build();
            var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
            Assert.Contains(expected, failure.Message);
        }
    }

    [RedisFact]
    public async Task With_redis_down_the_budget_fails_closed_by_default_or_open_when_configured_and_recovers_when_it_is_back()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = RedisConnection.Create(server.ConnectionString + ",connectTimeout=500,syncTimeout=1000,asyncTimeout=1000");
        await using var closed = new RedisBudgetStore(connection, Options.Create(new RedisOptions()));
        await using var open = new RedisBudgetStore(connection, Options.Create(new RedisOptions { BudgetsFailOpen = true }));
        // The connection is made lazily; on a loaded machine the first connect can outlast connectTimeout=500.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await AnswersAsync(connection))
        {
            Assert.True(DateTime.UtcNow < deadline, "the fresh server never answered");
            await Task.Delay(100);
        }

        Assert.True((await closed.TryReserveAsync(Request("down"), default)).IsAdmitted);

        await server.DisposeAsync(); // killed: as a crash would
        var refused = await Assert.ThrowsAsync<BudgetStoreUnavailableException>(() => closed.TryReserveAsync(Request("down"), default).AsTask());
        Assert.Contains("LlmKit:Redis:BudgetsFailOpen", refused.Message);
        Assert.Equal("down", refused.Tenant);
        var unmetered = await open.TryReserveAsync(Request("down"), default);
        Assert.True(unmetered.Reservation!.IsUnmetered);
        await open.SettleAsync(unmetered.Reservation, 10, 0.05m, default); // records nothing, throws nothing
    }

    [RedisFact]
    public async Task With_redis_down_rate_limits_and_chat_sessions_fail_at_once_with_the_stores_error()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = RedisConnection.Create(server.ConnectionString + ",connectTimeout=500,syncTimeout=1000,asyncTimeout=1000");
        var limiter = new RedisRateLimiter(connection);
        var sessions = new RedisChatSessionStore(connection, Options.Create(new ChatSessionOptions()));
        var request = new RateLimitRequest("openai/key/gpt-4o", 10, new LlmKit.RateLimits.RateLimits(RequestsPerMinute: 100, TokensPerMinute: null), Noon);
        Assert.True((await limiter.TryAcquireAsync(request)).IsAcquired);
        await sessions.AppendAsync("s-1", [new ChatMessage(ChatRole.User, "hello")]);

        await server.DisposeAsync(); // killed: as a crash would

        // Neither pretends: no permit granted unmetered, no empty history read as if the session were new.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var limiterError = await Assert.ThrowsAnyAsync<Exception>(() => limiter.TryAcquireAsync(request).AsTask());
        var readError = await Assert.ThrowsAnyAsync<Exception>(() => sessions.ReadAsync("s-1").AsTask());
        var appendError = await Assert.ThrowsAnyAsync<Exception>(() => sessions.AppendAsync("s-1", [new ChatMessage(ChatRole.User, "again")]).AsTask());
        Assert.All(new[] { limiterError, readError, appendError }, e => Assert.True(RedisFaults.IsUnavailable(e), $"not reported as unavailable: {e}"));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"the errors took {started.Elapsed} to surface");
    }

    [RedisFact]
    public async Task Connections_cut_again_and_again_during_reservations_lose_no_release_and_count_nothing_twice()
    {
        // Every client connection is killed ten times while 400 reserve+settle pairs run. A reserve that fails is
        // refused (fail closed); a settle whose reply is lost is retried, and a retry of one that did run is a no-op.
        // Afterwards the store counts exactly the settled pairs' usage, and holds only what reservations whose reply was
        // lost still hold — freed when their leases expire.
        await using var server = await RedisServer.StartAsync();
        await using var connection = RedisConnection.Create(server.ConnectionString + ",connectTimeout=1000,syncTimeout=2000,asyncTimeout=2000");
        await using var store = new RedisBudgetStore(connection, Options.Create(new RedisOptions()));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        string tenant = "flaky-" + Guid.NewGuid().ToString("N");
        var lease = TimeSpan.FromSeconds(30);
        int settledPairs = 0, refusedReserves = 0;

        using var stop = new CancellationTokenSource();
        var killer = Task.Run(async () =>
        {
            for (int i = 0; i < 10; i++)
            {
                await Task.Delay(30);
                await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            }
        });
        using var gate = new SemaphoreSlim(16);
        async Task PairAsync()
        {
            await gate.WaitAsync();
            try
            {
                BudgetReservationResult reserved;
                try
                {
                    reserved = await store.TryReserveAsync(Request(tenant, 0.001m, lease), default);
                }
                catch (BudgetStoreUnavailableException)
                {
                    Interlocked.Increment(ref refusedReserves);
                    return;
                }

                Assert.True(reserved.IsAdmitted);
                await store.SettleAsync(reserved.Reservation!, 10, 0.0005m, default);
                Interlocked.Increment(ref settledPairs);
            }
            finally
            {
                gate.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => PairAsync()));
        await killer;

        // On an idle machine all 400 can finish inside the kill window, and reconnecting takes a moment: once the
        // connection answers again, 200 more pairs run under the same accounting.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await AnswersAsync(connection))
        {
            Assert.True(DateTime.UtcNow < deadline, "the connection never came back");
            await Task.Delay(100);
        }

        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => PairAsync()));

        while (store.PendingSettles > 0 || !await AnswersAsync(connection))
        {
            Assert.True(DateTime.UtcNow < deadline, "the connection never came back, or deferred settles never landed");
            await Task.Delay(100);
        }

        var (settled, held) = await store.GetDayCostAsync(tenant, Noon);
        Assert.True(settledPairs > 100, $"only {settledPairs} pairs completed: the connection never came back");
        Assert.Equal(0.0005m * settledPairs, settled);
        Assert.True(held <= 0.001m * refusedReserves, $"{held} held, but only {refusedReserves} reservations could have lost their reply");

        Assert.Equal((int)(held / 0.001m), await store.ReclaimExpiredAsync(tenant, Noon + lease));
        Assert.Equal((settled, 0m), await store.GetDayCostAsync(tenant, Noon));
    }

    [RedisFact]
    public async Task Out_of_memory_under_noeviction_refuses_whole_scripts_and_the_budget_fails_closed()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = RedisConnection.Create(server.ConnectionString);
        await using var store = new RedisBudgetStore(connection, Options.Create(new RedisOptions()));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        var first = await store.TryReserveAsync(Request("oom", lease: TimeSpan.FromSeconds(1)), default);
        var adminServer = admin.GetServer(admin.GetEndPoints()[0]);
        await adminServer.ConfigSetAsync("maxmemory-policy", "noeviction");
        await adminServer.ConfigSetAsync("maxmemory", "1");

        // The next reservation would reclaim the first (its lease has expired) and then write: refused before it runs.
        var later = Request("oom") with { Now = Noon + TimeSpan.FromSeconds(2) };
        var refused = await Assert.ThrowsAsync<BudgetStoreUnavailableException>(() => store.TryReserveAsync(later, default).AsTask());
        Assert.Contains("OOM", refused.InnerException!.Message);

        await adminServer.ConfigSetAsync("maxmemory", "0");
        Assert.Equal((0m, 0.1m), await store.GetDayCostAsync("oom", Noon)); // nothing of the refused script ran
        await store.SettleAsync(first.Reservation!, 10, 0.02m, default);
        Assert.Equal((0.02m, 0m), await store.GetDayCostAsync("oom", Noon));
    }

    private static async Task<bool> AnswersAsync(RedisConnection connection)
    {
        try
        {
            await (await connection.GetDatabaseAsync()).PingAsync();
            return true;
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
