namespace LlmKit.Tests.Servers;

/// <summary>
/// An xunit class fixture: a <see cref="RedisServer"/> of the test class's own (so a test may flush or restart it),
/// killed after the class. Pair it with <see cref="RedisFactAttribute"/>; without redis-server off CI it starts nothing.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    /// <summary>Gets the server (throws when redis-server is not installed and the tests are being skipped).</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException(RedisServer.SkipReason ?? "The Redis fixture has not been initialized.");

    /// <summary>Gets a StackExchange.Redis configuration string for the server.</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (RedisServer.SkipReason is null)
        {
            _server = await RedisServer.StartAsync();
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
