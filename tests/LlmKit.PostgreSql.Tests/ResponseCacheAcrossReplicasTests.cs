using LlmKit.DependencyInjection;
using LlmKit.Caching;
using LlmKit.Stores.Contracts;
using LlmKit.Tests.Servers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.PostgreSql.Tests;

/// <summary>The response cache over a real Redis (any <c>IDistributedCache</c>), shared by two replicas.</summary>
public sealed class ResponseCacheAcrossReplicasTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private int _modelCalls;

    private ServiceProvider Replica()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddStackExchangeRedisCache(o => o.Configuration = redis.ConnectionString);
        services.AddLlmKit()
            .UseResponseCache()
            .AddChatClient("main", new FakeProvider(entered: () => Interlocked.Increment(ref _modelCalls)));
        return services.BuildServiceProvider();
    }

    private static async Task<ChatResponse> AskAsync(ServiceProvider replica, string question) =>
        await replica.GetRequiredService<ILlmKitChatClients>().GetChatClient("main")
            .GetResponseAsync(question, new ChatOptions { ModelId = "gpt-4o-mini", Temperature = 0 });

    [RedisFact]
    public async Task A_deterministic_call_answered_on_one_replica_is_a_cache_hit_on_the_other_through_Redis()
    {
        await using var replicaA = Replica();
        await using var replicaB = Replica();
        Assert.Null(replicaA.GetService<HybridCache>()); // the IDistributedCache path: no HybridCache registered

        var first = await AskAsync(replicaA, "What is the refund window?");
        var second = await AskAsync(replicaB, "What is the refund window?");

        Assert.Equal(1, _modelCalls);
        Assert.False(first.IsCacheHit());
        Assert.True(second.IsCacheHit());
        Assert.Equal(first.Text, second.Text);

        // Another question misses; and the entry lived in Redis, not in replica A: with Redis emptied, B asks the model.
        await AskAsync(replicaB, "Where is my parcel?");
        Assert.Equal(2, _modelCalls);
        await redis.Server.RestartAsync();
        var afterRestart = await AskAsync(replicaB, "What is the refund window?");
        Assert.False(afterRestart.IsCacheHit());
        Assert.Equal(3, _modelCalls);
    }
}
