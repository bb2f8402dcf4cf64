using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace LlmKit.Redis;

/// <summary>
/// Runs when the host starts, before the app serves: connects to Redis and pings it, failing the start with
/// <see cref="RedisUnavailableException"/> — naming <c>LlmKit:Redis:Configuration</c> and the endpoints — when it cannot;
/// then warns when the server's eviction policy may evict LlmKit's keys.
/// </summary>
internal sealed class RedisStartup(RedisConnection connection, ILogger<RedisStartup>? logger = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await connection.GetMultiplexerAsync().WaitAsync(cancellationToken);
            await multiplexer.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new RedisUnavailableException(
                $"LlmKit cannot reach its Redis server ({connection.Description}) set by {Microsoft.Extensions.DependencyInjection.RedisBuilderExtensions.ConfigurationSection}:Configuration " +
                $"(or the IConnectionMultiplexer registered in DI): {e.Message}", e);
        }

        await WarnAboutEvictionAsync(multiplexer);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Budget counters, reservations and idempotency claims must not be evicted: a tenant whose counters vanish starts
    /// its day again. Every LlmKit key carries a TTL, so <c>volatile-*</c> policies pick them as readily as
    /// <c>allkeys-*</c> ones; only <c>noeviction</c> (writes then fail, and the budget fails closed) keeps the promise.
    /// </summary>
    private async Task WarnAboutEvictionAsync(IConnectionMultiplexer multiplexer)
    {
        var log = logger ?? (ILogger)NullLogger.Instance;
        try
        {
            foreach (var endpoint in multiplexer.GetEndPoints())
            {
                var server = multiplexer.GetServer(endpoint);
                if (server.IsReplica)
                {
                    continue;
                }

                var policy = (await server.ConfigGetAsync("maxmemory-policy")).FirstOrDefault().Value;
                var maxMemory = (await server.ConfigGetAsync("maxmemory")).FirstOrDefault().Value;
                if (policy is not null && policy != "noeviction" && maxMemory is not null && maxMemory != "0")
                {
                    log.LogWarning(
                        "Redis {Endpoint} evicts keys under memory pressure (maxmemory-policy {Policy}): LlmKit's budget and idempotency keys may be evicted, " +
                        "which resets a tenant's budget. Use maxmemory-policy noeviction for LlmKit's state (see docs/replicas.md).", endpoint, policy);
                }
            }
        }
        catch (Exception e) when (e is RedisException or RedisServerException)
        {
            // CONFIG is often disabled on managed Redis: nothing to check then.
            log.LogDebug(e, "Could not read Redis's eviction policy.");
        }
    }
}
