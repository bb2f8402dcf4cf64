namespace LlmKit.Redis;

/// <summary>Settings of LlmKit's Redis stores, bound from <c>LlmKit:Redis</c> and validated when the host starts.</summary>
public sealed class RedisOptions
{
    /// <summary>Gets or sets the StackExchange.Redis configuration string, for example <c>redis:6379,password=…,ssl=true</c>.</summary>
    /// <value>The default value is <see langword="null"/>. Required unless an <c>IConnectionMultiplexer</c> is registered in DI, which then wins.</value>
    public string? Configuration { get; set; }

    /// <summary>Gets or sets the prefix of every key LlmKit writes, so several apps can share one Redis.</summary>
    /// <value>The default value is <c>llmkit:</c>. Must not be empty, nor contain <c>{</c> or <c>}</c> (LlmKit puts each tenant's keys under one hash tag).</value>
    public string KeyPrefix { get; set; } = RedisConstants.DefaultKeyPrefix;

    /// <summary>
    /// Gets or sets whether the budget stage lets calls through unmetered, with a logged warning, while Redis cannot be
    /// reached (or refuses writes: a failover in progress, or out of memory under <c>noeviction</c>).
    /// </summary>
    /// <value>
    /// The default value is <see langword="false"/>: the budget fails closed and refuses calls with
    /// <c>BudgetStoreUnavailableException</c> rather than spend money it cannot count.
    /// </value>
    public bool BudgetsFailOpen { get; set; }

    internal IEnumerable<string> Validate(string section, bool hasMultiplexer)
    {
        if (!hasMultiplexer)
        {
            if (string.IsNullOrWhiteSpace(Configuration))
            {
                yield return $"{section}:Configuration is required (or register an IConnectionMultiplexer in DI).";
            }
            else if (ParseError(Configuration) is { } error)
            {
                yield return $"{section}:Configuration is not a valid StackExchange.Redis configuration string: {error}";
            }
        }

        if (string.IsNullOrEmpty(KeyPrefix) || KeyPrefix.Contains('{', StringComparison.Ordinal) || KeyPrefix.Contains('}', StringComparison.Ordinal))
        {
            yield return $"{section}:KeyPrefix must be non-empty and contain neither '{{' nor '}}', but was '{KeyPrefix}'.";
        }
    }

    private static string? ParseError(string configuration)
    {
        try
        {
            var parsed = StackExchange.Redis.ConfigurationOptions.Parse(configuration);
            return parsed.EndPoints.Count == 0 ? "it names no endpoint." : null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }
}

/// <summary>Defaults of LlmKit's Redis stores.</summary>
public static class RedisConstants
{
    /// <summary>The prefix of every key: <c>llmkit:</c>.</summary>
    public const string DefaultKeyPrefix = "llmkit:";

    /// <summary>How long a request id's spend is kept after its last reservation: one day, as in memory.</summary>
    public static readonly TimeSpan RequestRetention = TimeSpan.FromDays(1);

    /// <summary>
    /// How long an idle tenant's budget keys outlive their last write, beyond the longest lease: two days, so today's
    /// and yesterday's counters and late settles of reclaimed reservations are still there.
    /// </summary>
    public static readonly TimeSpan BudgetKeyRetention = TimeSpan.FromDays(2);

    /// <summary>How long a rate-limit minute is kept: 3 minutes (the sliding window reads the current and the previous one).</summary>
    public static readonly TimeSpan RateLimitMinuteRetention = TimeSpan.FromMinutes(3);
}
