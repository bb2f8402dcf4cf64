using LlmKit.Tools;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.PostgreSql.Tools;

/// <summary>
/// Suspended tool loops in PostgreSQL (<c>llmkit.tool_loop_continuations</c>): an approval that reaches any replica,
/// hours later, claims the loop with one conditional <c>UPDATE</c>, so exactly one resume wins and a replayed approval
/// is refused. Times are the database's clock.
/// </summary>
public sealed class PostgresToolLoopContinuationStore : IToolLoopContinuationStore
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresToolLoopContinuationStore"/> class.</summary>
    /// <param name="database">The database.</param>
    public PostgresToolLoopContinuationStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _dataSource = database.DataSource;
    }

    /// <inheritdoc />
    public async ValueTask<string> SaveAsync(ToolLoopContinuation continuation, TimeSpan timeToLive, string? owner = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        string id = Guid.CreateVersion7().ToString("N");
        await using var command = _dataSource.CreateCommand(
            "INSERT INTO llmkit.tool_loop_continuations (id, owner, continuation, created_at, expires_at) VALUES ($1, $2, $3, now(), now() + $4)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)owner ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = continuation.Serialize() });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = timeToLive, NpgsqlDbType = NpgsqlDbType.Interval });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <inheritdoc />
    public async ValueTask<StoredToolLoopContinuation?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var command = _dataSource.CreateCommand(
            "SELECT id, continuation, owner, created_at, expires_at, claimed_at FROM llmkit.tool_loop_continuations WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await ReadAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<ToolLoopContinuationClaim> TryClaimAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var claim = _dataSource.CreateCommand(
            "UPDATE llmkit.tool_loop_continuations SET claimed_at = now() WHERE id = $1 AND claimed_at IS NULL AND expires_at > now() " +
            "RETURNING id, continuation, owner, created_at, expires_at, claimed_at");
        claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        if (await ReadAsync(claim, cancellationToken) is { } claimed)
        {
            return new ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus.Claimed, claimed, claimed.ClaimedAt);
        }

        // Not claimed by this call: say why.
        return await GetAsync(id, cancellationToken) switch
        {
            null => new ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus.NotFound, null, null),
            { ClaimedAt: { } at } => new ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus.AlreadyClaimed, null, at),
            _ => new ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus.Expired, null, null),
        };
    }

    /// <summary>Deletes loops that expired or were claimed before a time.</summary>
    /// <param name="cutoff">Loops expired or claimed before this go.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>How many were deleted.</returns>
    public async Task<int> DeleteBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM llmkit.tool_loop_continuations WHERE expires_at < $1 OR claimed_at < $1");
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<StoredToolLoopContinuation?> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredToolLoopContinuation(
            r.GetString(0),
            ToolLoopContinuation.Deserialize(r.GetString(1)),
            r.IsDBNull(2) ? null : r.GetString(2),
            Utc(r.GetDateTime(3)),
            Utc(r.GetDateTime(4)),
            r.IsDBNull(5) ? null : Utc(r.GetDateTime(5)));
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
