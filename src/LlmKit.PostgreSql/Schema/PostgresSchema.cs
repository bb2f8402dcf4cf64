using Npgsql;

namespace LlmKit.PostgreSql.Schema;

/// <summary>
/// LlmKit.PostgreSql's tables in schema <c>llmkit</c>, as versioned SQL migrations shipped inside this package: applied
/// in order, each once, recorded in <c>llmkit.schema_migrations</c> with a checksum (see <see cref="PostgresMigrationSet"/>).
/// </summary>
/// <remarks>
/// <see cref="ApplyAsync"/> runs in one transaction under an advisory lock, so two replicas starting at once apply
/// each migration once (the second waits, then finds nothing to do), a run that fails half-way leaves nothing behind,
/// and a second run is a no-op. A DBA who applies the schema by hand takes <see cref="GetScript"/>.
/// </remarks>
public static class PostgresSchema
{
    /// <summary>The database schema LlmKit's tables live in: <c>llmkit</c>.</summary>
    public const string Name = "llmkit";

    /// <summary>Gets this package's migration set.</summary>
    public static PostgresMigrationSet MigrationSet { get; } = new(
        "LlmKit.PostgreSql", typeof(PostgresSchema).Assembly, "LlmKit.PostgreSql.Migrations.", "schema_migrations", "LlmKit:PostgreSql:EnsureSchema");

    /// <summary>Gets the migrations this package ships, oldest first.</summary>
    public static IReadOnlyList<PostgresMigration> Migrations => MigrationSet.Migrations;

    /// <summary>Gets the newest schema version this package knows.</summary>
    public static int LatestVersion => MigrationSet.LatestVersion;

    /// <summary>
    /// Returns the whole schema as one SQL script (idempotent: each migration runs only if
    /// <c>llmkit.schema_migrations</c> does not record it), for a DBA to review and apply.
    /// </summary>
    /// <returns>The script.</returns>
    public static string GetScript() => MigrationSet.GetScript();

    /// <summary>Applies the migrations the database lacks.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the run (the transaction rolls back).</param>
    /// <returns>The versions this call applied (empty when the schema was up to date).</returns>
    /// <exception cref="PostgresSchemaException">An applied migration's checksum differs from the shipped one, or a migration failed.</exception>
    public static Task<IReadOnlyList<int>> ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        MigrationSet.ApplyAsync(dataSource, cancellationToken);

    /// <summary>Returns the versions recorded as applied, or an empty set when the schema does not exist yet.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The applied versions.</returns>
    public static Task<IReadOnlySet<int>> GetAppliedVersionsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        MigrationSet.GetAppliedVersionsAsync(dataSource, cancellationToken);

    /// <summary>Throws when the database lacks a migration this package needs.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>A task that completes when the schema is up to date.</returns>
    /// <exception cref="PostgresSchemaException">A migration is missing.</exception>
    public static Task VerifyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default) =>
        MigrationSet.VerifyAsync(dataSource, cancellationToken);
}

/// <summary>One shipped migration.</summary>
/// <param name="Version">Its version (the file's number).</param>
/// <param name="Name">Its name (the rest of the file name).</param>
/// <param name="Sql">Its SQL.</param>
/// <param name="Checksum">The SHA-256 of its SQL, recorded when it is applied.</param>
public sealed record PostgresMigration(int Version, string Name, string Sql, string Checksum);

/// <summary>The LlmKit schema in the database is missing, out of date or was changed by hand.</summary>
public sealed class PostgresSchemaException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PostgresSchemaException"/> class.</summary>
    /// <param name="message">What is wrong and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public PostgresSchemaException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
