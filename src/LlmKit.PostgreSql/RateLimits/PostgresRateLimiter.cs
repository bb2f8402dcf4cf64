using LlmKit.RateLimits;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.PostgreSql.RateLimits;

/// <summary>
/// Provider rate limits in PostgreSQL (<c>llmkit.rate_limit_windows</c>), shared by every replica: one call of
/// <c>llmkit.rate_limit_acquire</c> locks the key's current minute, checks both limits with the sliding window
/// counter and takes the request, so N replicas together stay under the provider's limit.
/// </summary>
public sealed class PostgresRateLimiter : ISharedRateLimiter
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresRateLimiter"/> class.</summary>
    /// <param name="database">The database.</param>
    public PostgresRateLimiter(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _dataSource = database.DataSource;
    }

    /// <inheritdoc />
    public async ValueTask<RateLimitDecision> TryAcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Tokens);
        await using var command = _dataSource.CreateCommand("SELECT * FROM llmkit.rate_limit_acquire($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Key });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = request.Tokens });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Limits.RequestsPerMinute is { } rpm ? rpm : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Limits.TokensPerMinute is { } tpm ? tpm : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = request.Now.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        await r.ReadAsync(cancellationToken);
        var minute = new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(1), DateTimeKind.Utc));
        if (r.GetBoolean(0))
        {
            return new RateLimitDecision(new RateLimitPermit(request.Key, minute, request.Tokens), TimeSpan.Zero, null);
        }

        long previousRequests = r.GetInt64(2), currentRequests = r.GetInt64(3), previousTokens = r.GetInt64(4), currentTokens = r.GetInt64(5);
        return SlidingWindowCounter.Refusal(request, previousRequests, currentRequests, previousTokens, currentTokens);
    }

    /// <inheritdoc />
    public async ValueTask AdjustAsync(RateLimitPermit permit, long actualTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permit);
        await using var command = _dataSource.CreateCommand(
            "UPDATE llmkit.rate_limit_windows SET tokens = greatest(0, tokens + $3) WHERE key = $1 AND minute = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = permit.Key });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = permit.Minute.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = actualTokens - permit.Tokens });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Deletes windows older than the sliding minute needs.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>How many were deleted.</returns>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM llmkit.rate_limit_windows WHERE minute < $1");
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (now - TimeSpan.FromMinutes(3)).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
