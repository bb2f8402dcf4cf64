using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Idempotency;
using LlmKit.Jobs;
using LlmKit.PostgreSql.Budgets;
using LlmKit.PostgreSql.Idempotency;
using LlmKit.PostgreSql.Jobs;
using LlmKit.PostgreSql.RateLimits;
using LlmKit.PostgreSql.Sessions;
using LlmKit.RateLimits;
using LlmKit.Sessions;
using LlmKit.Stores.Contracts;
using LlmKit.Tests.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LlmKit.PostgreSql.Tests;

// The store contract suites (tests/LlmKit.Stores.Contracts) against a real PostgreSQL: a fresh database with LlmKit's
// schema per test class. Each test uses tenants, keys and queues of its own.

public sealed class PostgresBudgetStoreContractTests(SchemaFixture db) : BudgetStoreContract, IClassFixture<SchemaFixture>
{
    public static string? SkipReason => PostgresServer.SkipReason;

    // Tokens per minute are the sliding window counter here (llmkit.budget_reserve): never more than the limit in any
    // fixed minute, which is what the contract allows a shared store.
    protected override bool SlidesExactly => false;

    // A thousand concurrent reservations of one tenant queue for its advisory lock (and the pool): a generous pool
    // timeout keeps a busy CI machine from turning that queue into failures. The pool is small and disposed with the
    // test (xUnit makes one instance per test): the other classes' pools share the server's max_connections, and a
    // default pool of 100 per test, never closed, ran the server out of connections ("53300: too many clients").
    private readonly NpgsqlDataSource _patient = NpgsqlDataSource.Create(db.ConnectionString + ";Timeout=120;Command Timeout=120;Maximum Pool Size=20");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _patient.DisposeAsync();
    }

    protected override Task<IBudgetStore> CreateStoreAsync() =>
        Task.FromResult<IBudgetStore>(new PostgresBudgetStore(new PostgresDatabase(_patient), Options.Create(new PostgreSqlOptions())));
}

public sealed class PostgresRateLimiterContractTests(SchemaFixture db) : RateLimiterContract, IClassFixture<SchemaFixture>
{
    public static string? SkipReason => PostgresServer.SkipReason;

    protected override Task<ISharedRateLimiter> CreateReplicaAsync() => Task.FromResult<ISharedRateLimiter>(new PostgresRateLimiter(db.Database));
}

public sealed class PostgresIdempotencyStoreContractTests(SchemaFixture db) : IdempotencyStoreContract, IClassFixture<SchemaFixture>
{
    public static string? SkipReason => PostgresServer.SkipReason;

    protected override bool ServerExpires => true; // the database's clock

    protected override Task<IIdempotencyStore> CreateStoreAsync(StoreClock clock) => Task.FromResult<IIdempotencyStore>(new PostgresIdempotencyStore(db.Database));
}

public sealed class PostgresChatSessionStoreContractTests(SchemaFixture db) : ChatSessionStoreContract, IClassFixture<SchemaFixture>
{
    public static string? SkipReason => PostgresServer.SkipReason;

    protected override bool ServerExpires => true; // the database's clock

    protected override Task<IChatSessionStore> CreateStoreAsync(ChatSessionOptions options, StoreClock clock) =>
        Task.FromResult<IChatSessionStore>(new PostgresChatSessionStore(db.Database, Options.Create(options)));
}

public sealed class PostgresJobQueueContractTests(SchemaFixture db) : JobQueueContract, IClassFixture<SchemaFixture>
{
    public static string? SkipReason => PostgresServer.SkipReason;

    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult<IJobQueue>(new PostgresJobQueue(db.Database));
}

/// <summary>Several app instances (one DI container each, with its own connection pool) against one database.</summary>
public sealed class PostgresBudgetReplicaTests(SchemaFixture db) : BudgetReplicaContract, IClassFixture<SchemaFixture>
{
    public static string? SkipReason => PostgresServer.SkipReason;

    protected override void AddSharedStore(LlmKitBuilder builder) =>
        builder.AddPostgreSql(o => o.ConnectionString = db.ConnectionString + ";Maximum Pool Size=30");

    protected override Task<(decimal Settled, decimal Reserved)> GetDayCostAsync(IServiceProvider replica, string tenant) =>
        replica.GetRequiredService<PostgresBudgetStore>().GetDayCostAsync(tenant, DateTimeOffset.UtcNow);
}
