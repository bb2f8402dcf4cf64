using LlmKit.Idempotency;
using StackExchange.Redis;

namespace LlmKit.Redis.Idempotency;

/// <summary>
/// Idempotency keys in Redis, shared by every replica: each key is one hash whose Redis TTL is the claim's lease while
/// its request runs and the retention once it completed, so a dead caller's claim and an old answer disappear on the
/// server's own clock. Claiming, renewing, completing and abandoning are each one server-side script, checked against
/// the claim's token.
/// </summary>
public sealed class RedisIdempotencyStore : IIdempotencyStore
{
    private const string BeginScript = """
        #!lua
        local state = redis.call('HMGET', KEYS[1], 's', 'fp', 'r')
        if state[1] then return {state[1], state[2], state[3] or ''} end
        redis.call('HSET', KEYS[1], 's', '0', 'fp', ARGV[1], 'tok', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return {'started', ARGV[1], ''}
        """;

    // ARGV: token, operation (renew | complete | abandon), lease or retention (ms), result.
    private const string ChangeScript = """
        #!lua
        local state = redis.call('HMGET', KEYS[1], 's', 'tok')
        if state[1] ~= '0' or state[2] ~= ARGV[1] then return 0 end
        if ARGV[2] == 'renew' then
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
        elseif ARGV[2] == 'complete' then
          redis.call('HSET', KEYS[1], 's', '1', 'r', ARGV[4])
          redis.call('HDEL', KEYS[1], 'tok')
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
        else
          redis.call('DEL', KEYS[1])
        end
        return 1
        """;

    private readonly RedisConnection _connection;

    /// <summary>Initializes a new instance of the <see cref="RedisIdempotencyStore"/> class.</summary>
    /// <param name="connection">The Redis connection.</param>
    public RedisIdempotencyStore(RedisConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    /// <inheritdoc />
    public async ValueTask<IdempotencyClaim> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var token = Guid.NewGuid();
        var database = await _connection.GetDatabaseAsync();
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(BeginScript, [_connection.Keys.Idempotency(key)],
            [fingerprint, token.ToString("N"), Milliseconds(lease)]))!;
        return (string)result[0]! switch
        {
            "started" => new IdempotencyClaim(IdempotencyStatus.Started, fingerprint, new IdempotencyLease(key, token), default),
            "1" => new IdempotencyClaim(IdempotencyStatus.Completed, (string?)result[1], null, (byte[])result[2]!),
            _ => new IdempotencyClaim(IdempotencyStatus.Running, (string?)result[1], null, default),
        };
    }

    /// <inheritdoc />
    public ValueTask<bool> RenewAsync(IdempotencyLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        return ChangeAsync(lease, "renew", duration, RedisValue.EmptyString);
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteAsync(IdempotencyLease lease, ReadOnlyMemory<byte> result, TimeSpan retention, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        return ChangeAsync(lease, "complete", retention, result);
    }

    /// <inheritdoc />
    public async ValueTask AbandonAsync(IdempotencyLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await ChangeAsync(lease, "abandon", TimeSpan.FromMilliseconds(1), RedisValue.EmptyString);
    }

    /// <inheritdoc />
    public async ValueTask<IdempotencyClaim> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var database = await _connection.GetDatabaseAsync();
        var values = await database.HashGetAsync(_connection.Keys.Idempotency(key), ["s", "fp", "r"]);
        return (string?)values[0] switch
        {
            null => IdempotencyClaim.Absent,
            "1" => new IdempotencyClaim(IdempotencyStatus.Completed, values[1], null, (byte[])values[2]!),
            _ => new IdempotencyClaim(IdempotencyStatus.Running, values[1], null, default),
        };
    }

    private async ValueTask<bool> ChangeAsync(IdempotencyLease lease, string operation, TimeSpan duration, RedisValue result)
    {
        var database = await _connection.GetDatabaseAsync();
        return (int)await database.ScriptEvaluateAsync(ChangeScript, [_connection.Keys.Idempotency(lease.Key)],
            [lease.Token.ToString("N"), operation, Milliseconds(duration), result]) == 1;
    }

    private static long Milliseconds(TimeSpan duration) => Math.Max(1, (long)Math.Ceiling(duration.TotalMilliseconds));
}
