using Npgsql;

namespace LlmKit.Tests.Servers;

/// <summary>One database of a <see cref="PostgresServer"/>, dropped (connections and all) when disposed.</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly Lazy<NpgsqlDataSource> _dataSource;

    internal PostgresDatabase(PostgresServer server, string name)
    {
        Server = server;
        Name = name;
        _dataSource = new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(ConnectionString));
    }

    /// <summary>Gets the server that holds the database.</summary>
    public PostgresServer Server { get; }

    /// <summary>Gets the database name.</summary>
    public string Name { get; }

    /// <summary>Gets a connection string to the database as the superuser.</summary>
    public string ConnectionString => Server.ConnectionStringFor(Name);

    /// <summary>Gets a data source for the database, created on first use and disposed with the database.</summary>
    public NpgsqlDataSource DataSource => _dataSource.Value;

    /// <summary>Creates a further data source (its own pool) that the caller disposes, for example one per simulated replica.</summary>
    /// <param name="configure">Adjusts the builder (pool size, timeouts, type mappings).</param>
    /// <returns>The data source.</returns>
    public NpgsqlDataSource CreateDataSource(Action<NpgsqlDataSourceBuilder>? configure = null)
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Creates an extension in this database (<c>CREATE EXTENSION IF NOT EXISTS</c>), for example <c>vector</c>.</summary>
    /// <param name="extension">The extension name.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>A task that completes when the extension exists.</returns>
    public async Task CreateExtensionAsync(string extension, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(extension);
        await using var command = DataSource.CreateCommand($"CREATE EXTENSION IF NOT EXISTS \"{extension.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Drops the database, closing every connection to it.</summary>
    /// <returns>A task that completes when it is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated)
        {
            await _dataSource.Value.DisposeAsync();
        }

        if (!Server.IsRunning)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
