using LlmKit.PostgreSql.Schema;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LlmKit.PostgreSql;

/// <summary>
/// Runs when the host starts, before the app serves: connects to the database (failing the start with
/// <see cref="PostgresUnavailableException"/>, naming the setting, when it cannot) and applies the schema migrations
/// (<see cref="PostgreSqlOptions.EnsureSchema"/>) or checks that they were applied.
/// </summary>
internal sealed class PostgresStartup(PostgresDatabase database, IOptions<PostgreSqlOptions> options, ILogger<PostgresStartup>? logger = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var log = logger ?? (ILogger)NullLogger.Instance;
        try
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new PostgresUnavailableException(
                $"LlmKit cannot reach its PostgreSQL database ({database.Describe()}) set by {Microsoft.Extensions.DependencyInjection.PostgreSqlBuilderExtensions.ConfigurationSection}:ConnectionString " +
                $"(or the NpgsqlDataSource registered in DI): {e.Message}", e);
        }

        if (options.Value.EnsureSchema)
        {
            var applied = await PostgresSchema.ApplyAsync(database.DataSource, cancellationToken);
            if (applied.Count > 0)
            {
                log.LogInformation("Applied LlmKit schema migrations {Versions}.", string.Join(", ", applied));
            }
        }
        else
        {
            await PostgresSchema.VerifyAsync(database.DataSource, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
