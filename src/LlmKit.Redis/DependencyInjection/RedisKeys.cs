using StackExchange.Redis;

namespace LlmKit.Redis;

/// <summary>
/// The names of LlmKit's keys. Each tenant's budget keys (and each rate-limit key's, idempotency key's and session's)
/// share one hash tag, <c>{…}</c>, so an atomic script that touches several of them runs on one Redis Cluster slot.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>Returns the keys of one tenant's budget state, in the order the budget scripts take them.</summary>
    public RedisKey[] Budget(string tenant)
    {
        string root = $"{Prefix}budget:{Tag(tenant)}:";
        return [root + "counts", root + "window", root + "window-tokens", root + "open", root + "leases", root + "reclaimed", root + "requests"];
    }

    /// <summary>Returns the keys of a rate-limit key's fixed minute and the one before it.</summary>
    public RedisKey[] RateLimit(string key, long minuteMs)
    {
        string root = $"{Prefix}ratelimit:{Tag(key)}:";
        return [root + minuteMs.ToString(System.Globalization.CultureInfo.InvariantCulture), root + (minuteMs - 60_000).ToString(System.Globalization.CultureInfo.InvariantCulture)];
    }

    public RedisKey Idempotency(string key) => $"{Prefix}idempotency:{Tag(key)}";

    /// <summary>Returns a session's message list and its metadata (the byte count).</summary>
    public RedisKey[] Session(string sessionId)
    {
        string root = $"{Prefix}session:{Tag(sessionId)}:";
        return [root + "messages", root + "meta"];
    }

    /// <summary>
    /// Wraps a name in a hash tag. Redis takes the tag up to the first <c>}</c>, so <c>%</c> and <c>}</c> in the name are
    /// escaped, keeping distinct names distinct.
    /// </summary>
    private static string Tag(string name) =>
        "{" + name.Replace("%", "%25", StringComparison.Ordinal).Replace("}", "%7D", StringComparison.Ordinal) + "}";
}
