using System.Globalization;
using System.Text;
using LlmKit.PostgreSql.Schema;
using Npgsql;

namespace LlmKit.Rag.PostgreSql;

/// <summary>
/// The retrieval store's tables in schema <c>llmkit</c>: versioned SQL migrations shipped in this package and applied
/// by LlmKit.PostgreSql's runner (<see cref="PostgresMigrationSet"/>, history in <c>llmkit.retrieval_schema_migrations</c>),
/// then the binding that depends on the app's embedder: the vector column's type and size, its HNSW index and the text
/// search configuration, recorded in <c>llmkit.retrieval_settings</c> in the same transaction.
/// </summary>
public static class PostgresRetrievalSchema
{
    /// <summary>The configuration key that makes the app apply the schema at start-up.</summary>
    public const string EnsureSchemaSetting = Microsoft.Extensions.DependencyInjection.PostgreSqlRetrievalBuilderExtensions.ConfigurationSection + ":EnsureSchema";

    /// <summary>Gets the store's migration set.</summary>
    public static PostgresMigrationSet MigrationSet { get; } = new(
        "LlmKit.Rag.PostgreSql", typeof(PostgresRetrievalSchema).Assembly, "LlmKit.Rag.PostgreSql.Migrations.", "retrieval_schema_migrations", EnsureSchemaSetting);

    /// <summary>
    /// Returns the whole schema for a DBA to review and apply: the migrations, then the binding to an embedder of
    /// <paramref name="dimensions"/> dimensions. Safe to run more than once; a store already bound differently is left as it is
    /// (the app then refuses to start, naming both).
    /// </summary>
    /// <param name="dimensions">The embedder's vector size.</param>
    /// <param name="options">The text search configuration and HNSW build settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The script.</returns>
    public static string GetScript(int dimensions, PostgreSqlRetrievalOptions? options = null)
    {
        var binding = RetrievalBinding.For(dimensions, options ?? new PostgreSqlRetrievalOptions(), embedder: null);
        var script = new StringBuilder(MigrationSet.GetScript())
            .AppendLine()
            .AppendLine($"-- Bind the store to {dimensions}-dimension vectors ({binding.VectorType}) and the '{binding.TextSearchConfiguration}' text search configuration.")
            .AppendLine("BEGIN;")
            .AppendLine("DO $bind$ BEGIN IF NOT EXISTS (SELECT 1 FROM llmkit.retrieval_settings) THEN");
        foreach (string statement in binding.BindStatements())
        {
            script.AppendLine(statement.Replace("$1", Quote(binding.TextSearchConfiguration), StringComparison.Ordinal).Replace("$2", "NULL", StringComparison.Ordinal) + ";");
        }

        return script.AppendLine("END IF; END $bind$;").AppendLine("COMMIT;").ToString();
    }

    /// <summary>Applies the migrations the database lacks and binds an unbound store, in one transaction.</summary>
    internal static async Task ApplyAsync(NpgsqlDataSource dataSource, RetrievalBinding binding, CancellationToken cancellationToken)
    {
        try
        {
            await MigrationSet.ApplyAsync(dataSource, async (connection, transaction, ct) =>
            {
                if (await RetrievalBinding.ReadAsync(connection, transaction, ct) is null)
                {
                    foreach (string statement in binding.BindStatements())
                    {
                        await using var command = new NpgsqlCommand(statement, connection, transaction);
                        if (statement.Contains("$1", StringComparison.Ordinal))
                        {
                            command.Parameters.Add(new NpgsqlParameter { Value = binding.TextSearchConfiguration });
                            command.Parameters.Add(new NpgsqlParameter { Value = (object?)binding.Embedder ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                        }

                        await command.ExecuteNonQueryAsync(ct);
                    }
                }
            }, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedObject && e.MessageText.Contains("text search configuration", StringComparison.Ordinal))
        {
            throw new PostgresSchemaException(
                $"{Microsoft.Extensions.DependencyInjection.PostgreSqlRetrievalBuilderExtensions.ConfigurationSection}:TextSearchConfiguration '{binding.TextSearchConfiguration}' does not exist in this database: {e.MessageText}.", e);
        }
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
