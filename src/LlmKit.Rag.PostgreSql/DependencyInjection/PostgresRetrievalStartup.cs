using LlmKit.PostgreSql;
using LlmKit.Rag.Ingestion;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace LlmKit.Rag.PostgreSql;

/// <summary>
/// Runs when the host starts, before the app serves: checks (or applies) the store's schema and its binding to the
/// embedder, failing the start with the setting to change; then loads what the embedder learns from the stored corpus
/// (the hashing embedder's query weights), so a replica that never ingests still weights queries by the whole corpus.
/// </summary>
internal sealed class PostgresRetrievalStartup(PostgresRetrievalStore store, RetrievalDatabase database, IngestionPipeline pipeline) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            var builder = new NpgsqlConnectionStringBuilder(database.DataSource.ConnectionString);
            throw new PostgresUnavailableException(
                $"LlmKit retrieval cannot reach its PostgreSQL database (Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username}) " +
                $"set by {Microsoft.Extensions.DependencyInjection.PostgreSqlRetrievalBuilderExtensions.ConfigurationSection}:ConnectionString " +
                $"(or the NpgsqlDataSource registered in DI, or AddPostgreSql()'s database): {e.Message}", e);
        }

        await store.InitializeAsync(cancellationToken);
        await pipeline.InitializeAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
