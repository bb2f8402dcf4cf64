using StackExchange.Redis;

namespace LlmKit.Redis;

/// <summary>Tells a Redis that cannot serve the call now from a call that is wrong.</summary>
internal static class RedisFaults
{
    private static readonly string[] TransientServerErrors = ["OOM", "READONLY", "LOADING", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "BUSY", "NOREPLICAS"];

    /// <summary>
    /// Returns whether an exception means Redis could not be reached, the connection broke, or the server refuses
    /// writes for now (out of memory under <c>noeviction</c>, a replica during failover, loading its data): retrying
    /// later may succeed.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException s => TransientServerErrors.Any(prefix => s.Message.StartsWith(prefix, StringComparison.Ordinal)),
        ObjectDisposedException => false,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };
}
