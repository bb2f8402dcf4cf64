using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Idempotency;
using LlmKit.RateLimits;
using LlmKit.Redis.Budgets;
using LlmKit.Redis.Idempotency;
using LlmKit.Redis.RateLimits;
using LlmKit.Redis.Sessions;
using LlmKit.Sessions;
using LlmKit.Stores.Contracts;
using LlmKit.Tests.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Redis.Tests;

// The store contract suites (tests/LlmKit.Stores.Contracts) against a real redis-server: one per test class, started
// by RedisFixture on a free port. Each test uses keys of its own, so they share the server.

public sealed class RedisBudgetStoreContractTests(RedisFixture redis) : BudgetStoreContract, IClassFixture<RedisFixture>
{
    public static string? SkipReason => RedisServer.SkipReason;

    protected override Task<IBudgetStore> CreateStoreAsync() =>
        Task.FromResult<IBudgetStore>(new RedisBudgetStore(RedisConnection.Create(redis.ConnectionString), Options.Create(new RedisOptions())));
}

public sealed class RedisRateLimiterContractTests(RedisFixture redis) : RateLimiterContract, IClassFixture<RedisFixture>
{
    public static string? SkipReason => RedisServer.SkipReason;

    // Each replica has a connection of its own, as separate processes would.
    protected override Task<ISharedRateLimiter> CreateReplicaAsync() =>
        Task.FromResult<ISharedRateLimiter>(new RedisRateLimiter(RedisConnection.Create(redis.ConnectionString)));
}

public sealed class RedisIdempotencyStoreContractTests(RedisFixture redis) : IdempotencyStoreContract, IClassFixture<RedisFixture>
{
    public static string? SkipReason => RedisServer.SkipReason;

    protected override bool ServerExpires => true;

    protected override Task<IIdempotencyStore> CreateStoreAsync(StoreClock clock) =>
        Task.FromResult<IIdempotencyStore>(new RedisIdempotencyStore(RedisConnection.Create(redis.ConnectionString)));
}

public sealed class RedisChatSessionStoreContractTests(RedisFixture redis) : ChatSessionStoreContract, IClassFixture<RedisFixture>
{
    public static string? SkipReason => RedisServer.SkipReason;

    protected override bool ServerExpires => true;

    protected override Task<IChatSessionStore> CreateStoreAsync(ChatSessionOptions options, StoreClock clock) =>
        Task.FromResult<IChatSessionStore>(new RedisChatSessionStore(RedisConnection.Create(redis.ConnectionString), Options.Create(options)));
}

public sealed class RedisBudgetReplicaTests(RedisFixture redis) : BudgetReplicaContract, IClassFixture<RedisFixture>
{
    public static string? SkipReason => RedisServer.SkipReason;

    protected override void AddSharedStore(LlmKitBuilder builder) =>
        builder.AddInMemoryUsageStore().AddRedis(o => o.Configuration = redis.ConnectionString);

    protected override Task<(decimal Settled, decimal Reserved)> GetDayCostAsync(IServiceProvider replica, string tenant) =>
        replica.GetRequiredService<RedisBudgetStore>().GetDayCostAsync(tenant, DateTimeOffset.UtcNow);
}
