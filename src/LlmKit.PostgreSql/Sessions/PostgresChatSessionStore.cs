using LlmKit.Sessions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.PostgreSql.Sessions;

/// <summary>
/// Chat sessions in PostgreSQL (<c>llmkit.chat_sessions</c>, <c>llmkit.chat_session_messages</c>), shared by every
/// replica: an append is one call of <c>llmkit.chat_session_append</c>, which locks the session's row, adds the messages,
/// drops the oldest until both caps hold and renews the time to live. Times are the database's clock; the maintenance
/// sweep deletes expired sessions.
/// </summary>
public sealed class PostgresChatSessionStore : IChatSessionStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ChatSessionOptions _options;

    /// <summary>Initializes a new instance of the <see cref="PostgresChatSessionStore"/> class.</summary>
    /// <param name="database">The database.</param>
    /// <param name="options">The caps and time to live (<c>LlmKit:ChatSessions</c>).</param>
    public PostgresChatSessionStore(PostgresDatabase database, IOptions<ChatSessionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = database.DataSource;
        _options = options.Value;
        _options.EnsureValid();
    }

    /// <inheritdoc />
    public async ValueTask<ChatSessionAppendResult> AppendAsync(string sessionId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        var serialized = ChatSessionSerializer.SerializeForAppend(sessionId, messages, _options);
        await using var command = _dataSource.CreateCommand("SELECT message_count, byte_count, trimmed FROM llmkit.chat_session_append($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = serialized, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _options.TimeToLive, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _options.MaxMessages });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _options.MaxBytes });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ChatSessionAppendResult(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt32(2));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChatMessage>> ReadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ChatSessionSerializer.ValidateSessionId(sessionId);
        await using var command = _dataSource.CreateCommand(
            "SELECT m.message FROM llmkit.chat_session_messages m JOIN llmkit.chat_sessions s ON s.id = m.session_id " +
            "WHERE s.id = $1 AND s.expires_at > now() ORDER BY m.seq");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        var messages = new List<ChatMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(ChatSessionSerializer.Deserialize(reader.GetFieldValue<byte[]>(0)));
        }

        return messages;
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ChatSessionSerializer.ValidateSessionId(sessionId);
        await using var command = _dataSource.CreateCommand("DELETE FROM llmkit.chat_sessions WHERE id = $1 RETURNING expires_at > now()");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessionId });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Deletes sessions that expired before <paramref name="now"/>, with their messages (the maintenance sweep calls it).</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>How many sessions were deleted.</returns>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM llmkit.chat_sessions WHERE expires_at < $1");
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
