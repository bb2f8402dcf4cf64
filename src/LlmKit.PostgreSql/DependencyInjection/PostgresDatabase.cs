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

    private PostgresDatabase(NpgsqlDataSource dataSource, bool owned)
    {
        DataSource = dataSource;
        _owned = owned ? dataSource : null;
    }

    /// <summary>Gets the data source.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Disposes the data source when it was built from the connection string.</summary>
    /// <returns>A task that completes when it is disposed.</returns>
    public ValueTask DisposeAsync() => _owned?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>Uses the data source registered in DI, or builds one from the connection string.</summary>
    internal static PostgresDatabase Resolve(IServiceProvider services) =>
        services.GetService<NpgsqlDataSource>() is { } registered
            ? new PostgresDatabase(registered, owned: false)
            : new PostgresDatabase(NpgsqlDataSource.Create(services.GetRequiredService<IOptions<PostgreSqlOptions>>().Value.ConnectionString!), owned: true);

    /// <summary>Describes the server for error messages, without the password.</summary>
    internal string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString);
        return $"Host={builder.Host};Port={builder.Port};Database={builder.Database};Username={builder.Username}";
    }
}
