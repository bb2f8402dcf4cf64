using LlmKit.Usage;

namespace LlmKit.Evaluation.Runs;

/// <summary>
/// A usage sink that charges every model call's cost, as the usage ledger priced it, to the evaluation trial that
/// made it: register it with the ledger (<c>services.AddLlmKit().UseUsageLedger().AddUsageSink(meter)</c>) and give
/// it to the run (<see cref="EvaluationRunOptions.CostMeter"/>). The run's cost cap and the per-trial costs in
/// reports come from it.
/// </summary>
/// <remarks>
/// Calls are attributed through the async flow: the ledger hands entries to its sinks on the call's own flow, where
/// the run has opened the trial's scope. Calls made outside any trial (warm-up, another test) are not charged. Entries
/// without a price (a model missing from the catalog) are counted in <see cref="UnpricedCalls"/> so a cost cap that
/// cannot see them is noticed.
/// </remarks>
public sealed class EvaluationCostMeter : IUsageSink
{
    // Flow-scoped, not shared state: each trial's async flow sees only its own account.
    private static readonly AsyncLocal<SpendAccount?> CurrentTrial = new();

    private long _pricedCalls;
    private long _unpricedCalls;

    /// <summary>Gets how many calls with a price this meter charged.</summary>
    public long PricedCalls => Interlocked.Read(ref _pricedCalls);

    /// <summary>Gets how many calls inside a trial had no price (their cost is unknown and not charged).</summary>
    public long UnpricedCalls => Interlocked.Read(ref _unpricedCalls);

    /// <inheritdoc />
    public ValueTask WriteAsync(UsageEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (CurrentTrial.Value is { } account)
        {
            if (entry.Cost is { } cost)
            {
                account.Add(cost);
                Interlocked.Increment(ref _pricedCalls);
            }
            else
            {
                Interlocked.Increment(ref _unpricedCalls);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Opens a trial's scope: calls on this async flow are charged to <paramref name="account"/> until disposed.</summary>
    internal static IDisposable BeginTrial(SpendAccount account)
    {
        var previous = CurrentTrial.Value;
        CurrentTrial.Value = account;
        return new Scope(previous);
    }

    private sealed class Scope(SpendAccount? previous) : IDisposable
    {
        public void Dispose() => CurrentTrial.Value = previous;
    }
}

/// <summary>A spend: a trial's, rolled up into its run's as calls are charged, or the run's own.</summary>
internal sealed class SpendAccount(SpendAccount? parent = null, decimal initial = 0)
{
    private readonly Lock _gate = new();
    private decimal _spend = initial;

    public decimal Spend
    {
        get
        {
            lock (_gate)
            {
                return _spend;
            }
        }
    }

    public void Add(decimal cost)
    {
        lock (_gate)
        {
            _spend += cost;
        }

        parent?.Add(cost);
    }
}
