using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LlmKit.Redis;

/// <summary>
/// The Redis connection LlmKit's stores share in one app: the <see cref="IConnectionMultiplexer"/> registered in DI, or
/// one built from <see cref="RedisOptions.Configuration"/> (and disposed with the container). It reconnects on its
/// own after a drop or a failover; commands issued while it is down fail fast instead of queueing.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer;
    private readonly bool _owned;

    /// <summary>Initializes a new instance of the <see cref="RedisConnection"/> class over a multiplexer the caller owns.</summary>
    /// <param name="multiplexer">The connection.</param>
    /// <param name="keyPrefix">The prefix of every key.</param>
    public RedisConnection(IConnectionMultiplexer multiplexer, string keyPrefix = RedisConstants.DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        _multiplexer = new Lazy<Task<IConnectionMultiplexer>>(Task.FromResult(multiplexer));
        Keys = new RedisKeys(keyPrefix);
        Description = string.Join(",", multiplexer.GetEndPoints().Select(e => e.ToString()));
    }

    private RedisConnection(ConfigurationOptions configuration, string keyPrefix)
    {
        // Fail fast while disconnected: a budget check should refuse (or fail open) at once, not wait in a backlog.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _owned = true;
        _multiplexer = new Lazy<Task<IConnectionMultiplexer>>(async () => await ConnectionMultiplexer.ConnectAsync(configuration));
        Keys = new RedisKeys(keyPrefix);
        Description = string.Join(",", configuration.EndPoints.Select(e => e.ToString()));
    }

    /// <summary>Gets the names of LlmKit's keys.</summary>
    internal RedisKeys Keys { get; }

    /// <summary>Gets the endpoints, for error messages (never the password).</summary>
    public string Description { get; }

    /// <summary>Returns the database, connecting on first use.</summary>
    /// <returns>The database.</returns>
    public async ValueTask<IDatabase> GetDatabaseAsync()
    {
        var task = _multiplexer.Value;
        return (task.IsCompletedSuccessfully ? task.Result : await task).GetDatabase();
    }

    /// <summary>Returns the multiplexer, connecting on first use.</summary>
    /// <returns>The multiplexer.</returns>
    public Task<IConnectionMultiplexer> GetMultiplexerAsync() => _multiplexer.Value;

    /// <summary>Disposes the connection when it was built from the configuration string.</summary>
    /// <returns>A task that completes when it is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_owned && _multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            await _multiplexer.Value.Result.DisposeAsync();
        }
    }

    /// <summary>Creates a connection from a configuration string (the caller disposes it).</summary>
    /// <param name="configuration">The StackExchange.Redis configuration string.</param>
    /// <param name="keyPrefix">The prefix of every key.</param>
    /// <returns>The connection; it connects on first use.</returns>
    public static RedisConnection Create(string configuration, string keyPrefix = RedisConstants.DefaultKeyPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return new RedisConnection(ConfigurationOptions.Parse(configuration), keyPrefix);
    }

    /// <summary>Uses the multiplexer registered in DI, or builds one from the configuration string.</summary>
    internal static RedisConnection Resolve(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RedisOptions>>().Value;
        return services.GetService<IConnectionMultiplexer>() is { } registered
            ? new RedisConnection(registered, options.KeyPrefix)
            : Create(options.Configuration!, options.KeyPrefix);
    }
}
