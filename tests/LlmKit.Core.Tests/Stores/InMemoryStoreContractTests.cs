using LlmKit.Budgets;
using LlmKit.Idempotency;
using LlmKit.Jobs;
using LlmKit.RateLimits;
using LlmKit.Sessions;
using LlmKit.Stores.Contracts;

namespace LlmKit.Core.Tests.Stores;

// The store contract suites (tests/LlmKit.Stores.Contracts) run against the in-memory stores; the PostgreSQL and Redis
// test projects run the same suites against theirs.

public sealed class InMemoryBudgetStoreContractTests : BudgetStoreContract
{
    protected override Task<IBudgetStore> CreateStoreAsync() => Task.FromResult<IBudgetStore>(new InMemoryBudgetStore());
}

public sealed class InMemoryRateLimiterContractTests : RateLimiterContract
{
    private readonly InMemoryRateLimiter _shared = new();

    // Replicas of one process share the instance.
    protected override Task<ISharedRateLimiter> CreateReplicaAsync() => Task.FromResult<ISharedRateLimiter>(_shared);
}

public sealed class InMemoryIdempotencyStoreContractTests : IdempotencyStoreContract
{
    protected override Task<IIdempotencyStore> CreateStoreAsync(StoreClock clock) =>
        Task.FromResult<IIdempotencyStore>(new InMemoryIdempotencyStore(clock.Fake));
}

public sealed class InMemoryChatSessionStoreContractTests : ChatSessionStoreContract
{
    protected override Task<IChatSessionStore> CreateStoreAsync(ChatSessionOptions options, StoreClock clock) =>
        Task.FromResult<IChatSessionStore>(new InMemoryChatSessionStore(options, clock.Fake));
}

public sealed class InMemoryJobQueueContractTests : JobQueueContract
{
    protected override Task<IJobQueue> CreateQueueAsync() => Task.FromResult<IJobQueue>(new InMemoryJobQueue());
}
