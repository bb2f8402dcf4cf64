namespace LlmKit.Tests.Servers;

/// <summary>How a throwaway PostgreSQL cluster is set up.</summary>
public sealed record PostgresServerOptions
{
    /// <summary>
    /// Gets whether the cluster flushes to disk (fsync, full-page writes) as a production server does. Off by default:
    /// a test cluster lives for one run and survives its server process being killed without them (commits still
    /// reach the kernel); only a machine crash would lose data. Benchmarks that report commit latency turn it on.
    /// </summary>
    public bool Durable { get; init; }

    /// <summary>Gets the server's <c>max_connections</c>: 300 by default, room for several replicas' pools at once.</summary>
    public int MaxConnections { get; init; } = 300;

    /// <summary>Gets further <c>postgresql.conf</c> settings, written as <c>name = value</c> lines.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
