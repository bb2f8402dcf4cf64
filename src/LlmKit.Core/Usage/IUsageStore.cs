namespace LlmKit.Usage;

/// <summary>
/// A usage sink that can also be queried: the contract for a store shared by several app instances (for example on
/// PostgreSQL). <see cref="InMemoryUsageStore"/> is the single-process implementation.
/// </summary>
public interface IUsageStore : IUsageSink
{
    /// <summary>Returns the entries that match a query, oldest first.</summary>
    /// <param name="query">The filter.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The matching entries.</returns>
    IAsyncEnumerable<UsageEntry> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default);
}

/// <summary>A filter over recorded usage. Unset members match everything.</summary>
/// <param name="Tenant">Only this tenant's entries.</param>
/// <param name="Feature">Only this feature's entries.</param>
/// <param name="From">Only entries that started at or after this time.</param>
/// <param name="To">Only entries that started before this time.</param>
public sealed record UsageQuery(string? Tenant = null, string? Feature = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    /// <summary>Returns whether an entry matches the query.</summary>
    /// <param name="entry">The entry.</param>
    /// <returns><see langword="true"/> when it matches.</returns>
    public bool Matches(UsageEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (Tenant is null || entry.Tenant == Tenant) &&
               (Feature is null || entry.Feature == Feature) &&
               (From is null || entry.Timestamp >= From) &&
               (To is null || entry.Timestamp < To);
    }
}
