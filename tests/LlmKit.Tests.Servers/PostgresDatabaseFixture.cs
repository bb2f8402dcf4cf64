using Npgsql;

namespace LlmKit.Tests.Servers;

/// <summary>
/// An xunit class fixture: a fresh database on the assembly's shared <see cref="PostgresServer"/> for one test class,
/// dropped after it. Pair it with <see cref="PostgresFactAttribute"/> so the tests skip (off CI) when PostgreSQL is
/// not installed; the fixture then starts nothing.
/// </summary>
/// <example>
/// <code>
/// public sealed class MyStoreTests(PostgresDatabaseFixture db) : IClassFixture&lt;PostgresDatabaseFixture&gt;
/// {
///     [PostgresFact]
///     public async Task Stores_a_row() { await using var cmd = db.DataSource.CreateCommand("SELECT 1"); … }
/// }
/// </code>
/// </example>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    private PostgresDatabase? _database;

    /// <summary>Gets the database (throws when PostgreSQL is not installed and the tests are being skipped).</summary>
    public PostgresDatabase Database => _database ?? throw new InvalidOperationException(PostgresServer.SkipReason ?? "The database fixture has not been initialized.");

    /// <summary>Gets the server that holds the database.</summary>
    public PostgresServer Server => Database.Server;

    /// <summary>Gets a connection string to the database.</summary>
    public string ConnectionString => Database.ConnectionString;

    /// <summary>Gets the database's data source.</summary>
    public NpgsqlDataSource DataSource => Database.DataSource;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (PostgresServer.SkipReason is not null)
        {
            return;
        }

        var server = await PostgresServer.SharedAsync();
        _database = await server.CreateDatabaseAsync("fixture");
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
