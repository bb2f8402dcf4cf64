namespace LlmKit.PostgreSql;

/// <summary>Settings of LlmKit's PostgreSQL stores, bound from <c>LlmKit:PostgreSql</c> and validated when the host starts.</summary>
public sealed class PostgreSqlOptions
{
    /// <summary>Gets or sets the Npgsql connection string.</summary>
    /// <value>The default value is <see langword="null"/>. Required unless an <c>NpgsqlDataSource</c> is registered in DI, which then wins.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets whether the app applies LlmKit's schema migrations when it starts.</summary>
    /// <value>
    /// The default value is <see langword="false"/>: the app only checks that the schema is up to date and fails to
    /// start otherwise, naming the missing migrations (a DBA applies <c>PostgresSchema.GetScript()</c>).
    /// </value>
    public bool EnsureSchema { get; set; }

    /// <summary>
    /// Gets or sets whether the budget stage lets calls through unmetered, with a logged warning, while the database
    /// cannot be reached.
    /// </summary>
    /// <value>
    /// The default value is <see langword="false"/>: the budget fails closed and refuses calls with
    /// <c>BudgetStoreUnavailableException</c> rather than spend money it cannot count.
    /// </value>
    public bool BudgetsFailOpen { get; set; }

    /// <summary>Gets or sets how long usage entries are kept; older ones are deleted by the maintenance sweep.</summary>
    /// <value>The default value is <see langword="null"/>: kept until deleted otherwise. At least one day when set.</value>
    public TimeSpan? UsageRetention { get; set; }

    /// <summary>Gets or sets how long finished jobs (succeeded, dead-lettered, cancelled) are kept.</summary>
    /// <value>The default value is 7 days. At least one minute.</value>
    public TimeSpan FinishedJobRetention { get; set; } = PostgreSqlConstants.DefaultFinishedJobRetention;

    /// <summary>
    /// Gets or sets how often the maintenance sweep runs: it reclaims budget reservations whose lease expired (also
    /// done per tenant on every reservation) and applies the retention settings.
    /// </summary>
    /// <value>The default value is 1 minute. Must be between 1 second and 1 hour.</value>
    public TimeSpan MaintenanceInterval { get; set; } = PostgreSqlConstants.DefaultMaintenanceInterval;

    internal IEnumerable<string> Validate(string section, bool hasDataSource)
    {
        if (!hasDataSource)
        {
            if (string.IsNullOrWhiteSpace(ConnectionString))
            {
                yield return $"{section}:ConnectionString is required (or register an NpgsqlDataSource in DI).";
            }
            else if (ParseError(ConnectionString) is { } error)
            {
                yield return $"{section}:ConnectionString is not a valid Npgsql connection string: {error}";
            }
        }

        if (UsageRetention is { } retention && retention < TimeSpan.FromDays(1))
        {
            yield return $"{section}:UsageRetention must be at least one day, but was {retention}.";
        }

        if (FinishedJobRetention < TimeSpan.FromMinutes(1))
        {
            yield return $"{section}:FinishedJobRetention must be at least one minute, but was {FinishedJobRetention}.";
        }

        if (MaintenanceInterval < TimeSpan.FromSeconds(1) || MaintenanceInterval > TimeSpan.FromHours(1))
        {
            yield return $"{section}:MaintenanceInterval must be between 1 second and 1 hour, but was {MaintenanceInterval}.";
        }
    }

    private static string? ParseError(string connectionString)
    {
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}

/// <summary>Defaults of LlmKit's PostgreSQL stores.</summary>
public static class PostgreSqlConstants
{
    /// <summary>How often the maintenance sweep runs: 1 minute.</summary>
    public static readonly TimeSpan DefaultMaintenanceInterval = TimeSpan.FromMinutes(1);

    /// <summary>How long finished jobs are kept: 7 days.</summary>
    public static readonly TimeSpan DefaultFinishedJobRetention = TimeSpan.FromDays(7);

    /// <summary>How long claimed or expired tool loops are kept: 1 day.</summary>
    public static readonly TimeSpan ToolLoopRetention = TimeSpan.FromDays(1);
}
