using LlmKit.PostgreSql.Schema;
using LlmKit.Tests.Servers;
using Npgsql;

namespace LlmKit.PostgreSql.Tests;

/// <summary>A fresh database per test class with LlmKit's schema applied.</summary>
public sealed class SchemaFixture : IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _database = new();

    public NpgsqlDataSource DataSource => _database.DataSource;

    public string ConnectionString => _database.ConnectionString;

    public PostgresDatabase Database => new(DataSource);

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        if (PostgresServer.SkipReason is null)
        {
            await PostgresSchema.ApplyAsync(_database.DataSource);
        }
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    public async Task<long> CountAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
