// Shared-store benchmark: reserve+settle pairs per second and their p50/p99 latency for the in-memory, PostgreSQL and
// Redis budget stores in the same run, then PostgreSQL ledger writes and job throughput. Servers are throwaway ones from
// tests/LlmKit.Tests.Servers (PostgreSQL durable: fsync on, as in production; Redis without persistence).
//
//   dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.Stores -- [--seconds 5] [--concurrency 32] [--tenants 64]
using System.Diagnostics;
using System.Globalization;
using LlmKit.Benchmarks.Stores;
using LlmKit.Budgets;
using LlmKit.Jobs;
using LlmKit.PostgreSql;
using LlmKit.PostgreSql.Budgets;
using LlmKit.PostgreSql.Jobs;
using LlmKit.PostgreSql.Schema;
using LlmKit.PostgreSql.Usage;
using LlmKit.Redis;
using LlmKit.Redis.Budgets;
using LlmKit.Tests.Servers;
using LlmKit.Usage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

var settings = BenchSettings.Parse(args);
Console.WriteLine($"LlmKit.Benchmarks.Stores — {settings}; {Environment.ProcessorCount} cores; .NET {Environment.Version}; {LoadAverage.Read()}");

await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions { Durable = true });
await using var database = await postgres.CreateDatabaseAsync("bench");
await PostgresSchema.ApplyAsync(database.DataSource);
await using var redis = await RedisServer.StartAsync();
await using var redisConnection = RedisConnection.Create(redis.ConnectionString);
var pg = new LlmKit.PostgreSql.PostgresDatabase(database.CreateDataSource(b => b.ConnectionStringBuilder.MaxPoolSize = settings.Concurrency + 8));

var stores = new (string Name, IBudgetStore Store)[]
{
    ("in-memory", new InMemoryBudgetStore()),
    ("PostgreSQL", new PostgresBudgetStore(pg, Options.Create(new PostgreSqlOptions()))),
    ("Redis", new RedisBudgetStore(redisConnection, Options.Create(new RedisOptions()))),
};

Console.WriteLine();
Console.WriteLine("reserve+settle pairs (cost per day and a sliding token window per tenant, every pair admitted)");
Console.WriteLine($"{"store",-12} {"pairs/s",10} {"p50 ms",8} {"p99 ms",8} {"pairs",9}  load average");
foreach (var (name, store) in stores)
{
    var limits = new BudgetLimits { CostPerDay = 1_000_000m, TokensPerMinute = 1_000_000_000_000 };
    var result = await ClosedLoop.RunAsync(settings, async (worker, i) =>
    {
        var now = DateTimeOffset.UtcNow;
        var reserved = await store.TryReserveAsync(new BudgetReservationRequest($"tenant-{(worker + i) % settings.Tenants}", null, 1200, 0.0012m, limits, now), default);
        await store.SettleAsync(reserved.Reservation ?? throw new InvalidOperationException("refused"), 800, 0.0008m, default);
    });
    Console.WriteLine($"{name,-12} {result.PerSecond,10:N0} {result.P50,8:F2} {result.P99,8:F2} {result.Count,9:N0}  {LoadAverage.Read()}");
}

Console.WriteLine();
Console.WriteLine("PostgreSQL ledger and jobs");
var ledger = new PostgresUsageStore(pg);
var writes = await ClosedLoop.RunAsync(settings, (worker, i) => ledger.WriteAsync(new UsageEntry
{
    Timestamp = DateTimeOffset.UtcNow, ClientName = "bench", Tenant = $"tenant-{worker % settings.Tenants}", Feature = "bench",
    RequestedModel = "gpt-4o-mini", ServedModel = "gpt-4o-mini", InputTokens = 400, OutputTokens = 200, Cost = 0.00018m,
    Latency = TimeSpan.FromMilliseconds(420),
}, default));
Console.WriteLine($"{"ledger writes",-24} {writes.PerSecond,10:N0}/s  p50 {writes.P50:F2} ms  p99 {writes.P99:F2} ms  {LoadAverage.Read()}");

var queue = new PostgresJobQueue(pg);
int jobCount = 2_000;
var enqueueClock = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, jobCount), new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency },
    async (i, ct) => await queue.EnqueueAsync(new JobRequest("bench", $"{{\"n\":{i}}}") { Queue = "bench" }, ct));
double enqueuePerSecond = jobCount / enqueueClock.Elapsed.TotalSeconds;
var workClock = Stopwatch.StartNew();
int done = 0;
await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (w, ct) =>
{
    while (await queue.TryLeaseAsync("bench", $"worker-{w}", TimeSpan.FromMinutes(1), ct) is { } lease)
    {
        await queue.CompleteAsync(lease, null, ct);
        Interlocked.Increment(ref done);
    }
});
Console.WriteLine($"{"jobs enqueued",-24} {enqueuePerSecond,10:N0}/s  ({jobCount:N0} jobs, {settings.Concurrency} at a time)");
Console.WriteLine($"{"jobs leased+completed",-24} {done / workClock.Elapsed.TotalSeconds,10:N0}/s  ({done:N0} jobs, 8 workers)  {LoadAverage.Read()}");

// Scripts go as EVALSHA once loaded: check that StackExchange.Redis is not resending their text on every call.
await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
{
    var stats = (await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("commandstats")).SelectMany(g => g)
        .Where(p => p.Key is "cmdstat_evalsha" or "cmdstat_eval").Select(p => $"{p.Key}: {p.Value}");
    Console.WriteLine();
    Console.WriteLine("Redis " + string.Join("; ", stats));
}

foreach (var (_, store) in stores)
{
    if (store is IAsyncDisposable disposable)
    {
        await disposable.DisposeAsync();
    }
}

await pg.DisposeAsync();
