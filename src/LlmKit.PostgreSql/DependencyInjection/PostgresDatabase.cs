using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LlmKit.PostgreSql;

/// <summary>
/// The database LlmKit's stores share in one app: the <see cref="NpgsqlDataSource"/> registered in DI, or one built
/// from <see cref="PostgreSqlOptions.ConnectionString"/> (and disposed with the container).
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _owned;

    /// <summary>Initializes a new instance of the <see cref="PostgresDatabase"/> class.</summary>
    /// <param name="dataSource">The data source to use.</param>
    public PostgresDatabase(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        DataSource = dataSource;
    }

    [ActivatorUtilitiesConstructor]
    internal PostgresDatabase(IServiceProvider services, IOptions<PostgreSqlOptions> options)
    {
        if (services.GetService<NpgsqlDataSource>() is { } registered)
        {
            DataSource = registered;
        }
        else
        {
            _owned = NpgsqlDataSource.Create(options.Value.ConnectionString!);
            DataSource = _owned;
        }
    }

    /// <summary>Gets the data source.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Disposes the data source when it was built from the connection string.</summary>
    /// <returns>A task that completes when it is disposed.</returns>
    public ValueTask DisposeAsync() => _owned?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Describes the server for error messages, without the password.</summary>
    internal string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString);
        return $"Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username}";
    }
}
