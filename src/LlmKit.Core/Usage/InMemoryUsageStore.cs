using System.Runtime.CompilerServices;

namespace LlmKit.Usage;

/// <summary>
/// Keeps usage entries in process memory, newest last, up to a capacity after which the oldest are dropped. For
/// development, tests and single-instance apps; thread-safe.
/// </summary>
public sealed class InMemoryUsageStore : IUsageStore
{
    /// <summary>The default capacity: 100,000 entries (roughly 40 MB).</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Lock _gate = new();
    private readonly Queue<UsageEntry> _entries = new();
    private long _dropped;

    /// <summary>Initializes a new instance of the <see cref="InMemoryUsageStore"/> class.</summary>
    /// <param name="capacity">How many entries to keep; see <see cref="DefaultCapacity"/>.</param>
    public InMemoryUsageStore(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>Gets how many entries the store keeps.</summary>
    public int Capacity { get; }

    /// <summary>Gets a snapshot of the kept entries, oldest first.</summary>
    public IReadOnlyList<UsageEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToArray();
            }
        }
    }

    /// <summary>Gets how many entries were dropped because the store was full.</summary>
    public long DroppedCount
    {
        get
        {
            lock (_gate)
            {
                return _dropped;
            }
        }
    }

    /// <summary>Returns the total recorded cost of the entries that match a query (entries without a price count 0).</summary>
    /// <param name="query">The filter; all entries when omitted.</param>
    /// <returns>The cost in US dollars.</returns>
    public decimal TotalCost(UsageQuery? query = null)
    {
        lock (_gate)
        {
            decimal total = 0;
            foreach (var entry in _entries)
            {
                if (query is null || query.Matches(entry))
                {
                    total += entry.Cost ?? 0;
                }
            }

            return total;
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(UsageEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (_entries.Count == Capacity)
            {
                _entries.Dequeue();
                _dropped++;
            }

            _entries.Enqueue(entry);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<UsageEntry> QueryAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await Task.CompletedTask;
        foreach (var entry in Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (query.Matches(entry))
            {
                yield return entry;
            }
        }
    }
}
