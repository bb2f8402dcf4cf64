using System.Globalization;
using LlmKit.RateLimits;
using StackExchange.Redis;

namespace LlmKit.Redis.RateLimits;

/// <summary>
/// Provider rate limits in Redis, shared by every replica: one server-side script reads the key's current and previous
/// fixed minute, checks both limits with the sliding window counter and takes the request, so N replicas together stay
/// under the provider's limit. It admits exactly what <see cref="InMemoryRateLimiter"/> admits: the script compares with
/// the elapsed fraction of the minute computed here, by <see cref="SlidingWindowCounter"/>'s arithmetic.
/// </summary>
/// <remarks>Each minute is a hash that expires 3 minutes after its last write, so idle keys leave nothing behind.</remarks>
public sealed class RedisRateLimiter : ISharedRateLimiter
{
    private const string AcquireScript = """
        #!lua
        local cur, prev = KEYS[1], KEYS[2]
        local cr = tonumber(redis.call('HGET', cur, 'r') or '0')
        local ct = tonumber(redis.call('HGET', cur, 't') or '0')
        local pr = tonumber(redis.call('HGET', prev, 'r') or '0')
        local pt = tonumber(redis.call('HGET', prev, 't') or '0')
        local tokens, rpm, tpm, elapsed = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
        if (rpm ~= '' and pr * (1 - elapsed) + cr + 1 > tonumber(rpm)) or (tpm ~= '' and pt * (1 - elapsed) + ct + tokens > tonumber(tpm)) then
          return {0, pr, cr, pt, ct}
        end
        redis.call('HINCRBY', cur, 'r', 1)
        redis.call('HINCRBY', cur, 't', tokens)
        redis.call('PEXPIRE', cur, ARGV[5])
        return {1, pr, cr + 1, pt, ct + tokens}
        """;

    private const string AdjustScript = """
        #!lua
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        local t = redis.call('HINCRBY', KEYS[1], 't', ARGV[1])
        if t < 0 then redis.call('HSET', KEYS[1], 't', 0) end
        return 1
        """;

    private readonly RedisConnection _connection;

    /// <summary>Initializes a new instance of the <see cref="RedisRateLimiter"/> class.</summary>
    /// <param name="connection">The Redis connection.</param>
    public RedisRateLimiter(RedisConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    /// <inheritdoc />
    public async ValueTask<RateLimitDecision> TryAcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Tokens);
        cancellationToken.ThrowIfCancellationRequested();
        var minute = SlidingWindowCounter.MinuteOf(request.Now);
        double elapsed = (double)(request.Now.UtcTicks - minute.UtcTicks) / SlidingWindowCounter.Window.Ticks;
        var database = await _connection.GetDatabaseAsync();
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(AcquireScript, _connection.Keys.RateLimit(request.Key, minute.ToUnixTimeMilliseconds()),
        [
            request.Tokens,
            request.Limits.RequestsPerMinute is { } rpm ? rpm : RedisValue.EmptyString,
            request.Limits.TokensPerMinute is { } tpm ? tpm : RedisValue.EmptyString,
            elapsed.ToString("R", CultureInfo.InvariantCulture),
            (long)RedisConstants.RateLimitMinuteRetention.TotalMilliseconds,
        ]))!;
        if ((long)result[0] == 1)
        {
            return new RateLimitDecision(new RateLimitPermit(request.Key, minute, request.Tokens), TimeSpan.Zero, null);
        }

        long previousRequests = (long)result[1], currentRequests = (long)result[2], previousTokens = (long)result[3], currentTokens = (long)result[4];
        return SlidingWindowCounter.Refusal(request, previousRequests, currentRequests, previousTokens, currentTokens);
    }

    /// <inheritdoc />
    public async ValueTask AdjustAsync(RateLimitPermit permit, long actualTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permit);
        var database = await _connection.GetDatabaseAsync();
        await database.ScriptEvaluateAsync(AdjustScript, [_connection.Keys.RateLimit(permit.Key, permit.Minute.ToUnixTimeMilliseconds())[0]], [actualTokens - permit.Tokens]);
    }
}
