using LlmKit.PostgreSql.Schema;
using LlmKit.Tests.Servers;
using Npgsql;

namespace LlmKit.PostgreSql.Tests;

public sealed class SchemaTests
{
    [PostgresFact]
    public async Task A_second_run_applies_nothing_and_two_replicas_migrating_at_once_apply_each_migration_once()
    {
        await using var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("schema");
        await using var replicaA = database.CreateDataSource();
        await using var replicaB = database.CreateDataSource();

        var results = await Task.WhenAll(PostgresSchema.ApplyAsync(replicaA), PostgresSchema.ApplyAsync(replicaB));

        var all = PostgresSchema.Migrations.Select(m => m.Version).ToList();
        Assert.Equal(all, results.SelectMany(r => r).Order().ToList());
        Assert.Empty(await PostgresSchema.ApplyAsync(replicaA));
        await PostgresSchema.VerifyAsync(replicaB);
    }

    [PostgresFact]
    public async Task The_printed_script_creates_the_same_schema_and_can_run_twice()
    {
        await using var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("script");
        for (int run = 0; run < 2; run++)
        {
            await using var command = database.DataSource.CreateCommand(PostgresSchema.GetScript());
            await command.ExecuteNonQueryAsync();
        }

        await PostgresSchema.VerifyAsync(database.DataSource);
        Assert.Empty(await PostgresSchema.ApplyAsync(database.DataSource));
    }

    [PostgresFact]
    public async Task An_edited_migration_is_refused_by_its_checksum_and_a_missing_schema_names_the_setting()
    {
        await using var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("checksum");
        var missing = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.VerifyAsync(database.DataSource));
        Assert.Contains("LlmKit:PostgreSql:EnsureSchema", missing.Message);

        await PostgresSchema.ApplyAsync(database.DataSource);
        await using (var tamper = database.DataSource.CreateCommand("UPDATE llmkit.schema_migrations SET checksum = 'x' WHERE version = 1"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var edited = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.ApplyAsync(database.DataSource));
        Assert.Contains("0001", edited.Message);
    }

    [PostgresFact]
    public async Task Every_table_and_index_is_documented()
    {
        await using var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("documented");
        await PostgresSchema.ApplyAsync(database.DataSource);
        await using var command = database.DataSource.CreateCommand(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'llmkit' AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NULL");
        var undocumented = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            undocumented.Add(reader.GetString(0));
        }

        Assert.Empty(undocumented);
        // Every index (or group of indexes) has a comment above it in its migration saying what it serves.
        static bool IsIndex(string line) => line.StartsWith("CREATE INDEX", StringComparison.Ordinal) || line.StartsWith("CREATE UNIQUE INDEX", StringComparison.Ordinal);
        foreach (var migration in PostgresSchema.Migrations)
        {
            var lines = migration.Sql.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                if (IsIndex(lines[i]))
                {
                    int above = i - 1;
                    while (above >= 0 && IsIndex(lines[above]))
                    {
                        above--;
                    }

                    Assert.True(above >= 0 && lines[above].StartsWith("--", StringComparison.Ordinal), $"{migration.Name}: '{lines[i]}' has no comment above it.");
                }
            }
        }
    }
}
