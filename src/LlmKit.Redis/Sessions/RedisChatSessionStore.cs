using LlmKit.Sessions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LlmKit.Redis.Sessions;

/// <summary>
/// Chat sessions in Redis, shared by every replica: a session is a list of serialized messages and a hash with its
/// byte count, both expiring <see cref="ChatSessionOptions.TimeToLive"/> after the last append on the server's clock.
/// An append is one server-side script that pushes the messages, drops the oldest until both caps hold, and renews the
/// time to live, so concurrent appends each land whole.
/// </summary>
public sealed class RedisChatSessionStore : IChatSessionStore
{
    private const string AppendScript = """
        #!lua
        local list, meta = KEYS[1], KEYS[2]
        local bytes = 0
        if redis.call('EXISTS', list) == 1 then bytes = tonumber(redis.call('HGET', meta, 'b') or '0') end
        for i = 4, #ARGV do
          redis.call('RPUSH', list, ARGV[i])
          bytes = bytes + string.len(ARGV[i])
        end
        local count = redis.call('LLEN', list)
        local max_messages, max_bytes, trimmed = tonumber(ARGV[2]), tonumber(ARGV[3]), 0
        while count > max_messages or bytes > max_bytes do
          bytes = bytes - string.len(redis.call('LPOP', list))
          count = count - 1
          trimmed = trimmed + 1
        end
        redis.call('HSET', meta, 'b', bytes)
        redis.call('PEXPIRE', list, ARGV[1])
        redis.call('PEXPIRE', meta, ARGV[1])
        return {count, bytes, trimmed}
        """;

    private readonly RedisConnection _connection;
    private readonly ChatSessionOptions _options;

    /// <summary>Initializes a new instance of the <see cref="RedisChatSessionStore"/> class.</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">The caps and time to live (<c>LlmKit:ChatSessions</c>).</param>
    public RedisChatSessionStore(RedisConnection connection, IOptions<ChatSessionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _options = options.Value;
        _options.EnsureValid();
    }

    /// <inheritdoc />
    public async ValueTask<ChatSessionAppendResult> AppendAsync(string sessionId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        var serialized = ChatSessionSerializer.SerializeForAppend(sessionId, messages, _options);
        cancellationToken.ThrowIfCancellationRequested();
        var arguments = new RedisValue[3 + serialized.Length];
        arguments[0] = (long)Math.Ceiling(_options.TimeToLive.TotalMilliseconds);
        arguments[1] = _options.MaxMessages;
        arguments[2] = _options.MaxBytes;
        for (int i = 0; i < serialized.Length; i++)
        {
            arguments[3 + i] = serialized[i];
        }

        var database = await _connection.GetDatabaseAsync();
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(AppendScript, _connection.Keys.Session(sessionId), arguments))!;
        return new ChatSessionAppendResult((int)result[0], (long)result[1], (int)result[2]);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChatMessage>> ReadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ChatSessionSerializer.ValidateSessionId(sessionId);
        var database = await _connection.GetDatabaseAsync();
        var stored = await database.ListRangeAsync(_connection.Keys.Session(sessionId)[0]);
        return Array.ConvertAll(stored, m => ChatSessionSerializer.Deserialize((byte[])m!));
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ChatSessionSerializer.ValidateSessionId(sessionId);
        var database = await _connection.GetDatabaseAsync();
        return await database.KeyDeleteAsync(_connection.Keys.Session(sessionId)) > 0;
    }
}
