using LlmKit.Idempotency;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.PostgreSql.Idempotency;

/// <summary>
/// Idempotency keys in PostgreSQL (<c>llmkit.idempotency_keys</c>), shared by every replica: a claim is one call of
/// <c>llmkit.idempotency_begin</c> (an upsert that takes over only an expired row), and renew, complete and abandon are
/// each one statement conditional on the claim's token. Times are the database's clock; the maintenance sweep deletes
/// expired keys.
/// </summary>
public sealed class PostgresIdempotencyStore : IIdempotencyStore
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresIdempotencyStore"/> class.</summary>
    /// <param name="database">The database.</param>
    public PostgresIdempotencyStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _dataSource = database.DataSource;
    }

    /// <inheritdoc />
    public async ValueTask<IdempotencyClaim> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        var token = Guid.NewGuid();
        await using var command = _dataSource.CreateCommand("SELECT started, fingerprint, result FROM llmkit.idempotency_begin($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = token });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.GetBoolean(0))
        {
            return new IdempotencyClaim(IdempotencyStatus.Started, fingerprint, new IdempotencyLease(key, token), default);
        }

        return ReadState(reader, 1);
    }

    /// <inheritdoc />
    public ValueTask<bool> RenewAsync(IdempotencyLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        return ChangeAsync(
            "UPDATE llmkit.idempotency_keys SET expires_at = now() + $3 WHERE key = $1 AND token = $2 AND result IS NULL AND expires_at > now()",
            lease, cancellationToken, new NpgsqlParameter<TimeSpan> { TypedValue = duration, NpgsqlDbType = NpgsqlDbType.Interval });
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteAsync(IdempotencyLease lease, ReadOnlyMemory<byte> result, TimeSpan retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        return ChangeAsync(
            "UPDATE llmkit.idempotency_keys SET result = $3, token = NULL, expires_at = now() + $4 WHERE key = $1 AND token = $2 AND result IS NULL AND expires_at > now()",
            lease, cancellationToken,
            new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = result, NpgsqlDbType = NpgsqlDbType.Bytea },
            new NpgsqlParameter<TimeSpan> { TypedValue = retention, NpgsqlDbType = NpgsqlDbType.Interval });
    }

    /// <inheritdoc />
    public async ValueTask AbandonAsync(IdempotencyLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await ChangeAsync("DELETE FROM llmkit.idempotency_keys WHERE key = $1 AND token = $2 AND result IS NULL", lease, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IdempotencyClaim> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await using var command = _dataSource.CreateCommand("SELECT fingerprint, result FROM llmkit.idempotency_keys WHERE key = $1 AND expires_at > now()");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadState(reader, 0) : IdempotencyClaim.Absent;
    }

    /// <summary>Deletes keys that expired before <paramref name="now"/> (the maintenance sweep calls it).</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>How many were deleted.</returns>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM llmkit.idempotency_keys WHERE expires_at < $1");
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static IdempotencyClaim ReadState(NpgsqlDataReader reader, int first) => reader.IsDBNull(first + 1)
        ? new IdempotencyClaim(IdempotencyStatus.Running, reader.GetString(first), null, default)
        : new IdempotencyClaim(IdempotencyStatus.Completed, reader.GetString(first), null, reader.GetFieldValue<byte[]>(first + 1));

    private async ValueTask<bool> ChangeAsync(string sql, IdempotencyLease lease, CancellationToken cancellationToken, params NpgsqlParameter[] more)
    {
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lease.Key });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = lease.Token });
        command.Parameters.AddRange(more);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
