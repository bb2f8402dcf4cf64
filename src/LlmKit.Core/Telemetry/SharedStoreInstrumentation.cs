using System.Diagnostics.Metrics;

namespace LlmKit.Telemetry;

/// <summary>
/// The instruments every shared store (PostgreSQL, Redis) reports on LlmKit's meter (<c>LlmKit</c>), named alike so one
/// dashboard serves them all: <c>llmkit.budget.reservations.reclaimed</c> (tagged <c>llmkit.reclaim.by</c> = reserve or
/// sweep) and <c>llmkit.store.failures</c> (tagged <c>llmkit.store.outcome</c> = fail_closed, fail_open or
/// settle_deferred). For store implementations; each store package derives its own type to register in DI.
/// </summary>
public abstract class SharedStoreInstrumentation : IDisposable
{
    private readonly Meter? _ownMeter;
    private readonly Counter<long> _reclaimed;
    private readonly Counter<long> _failures;

    /// <summary>Initializes a new instance of the <see cref="SharedStoreInstrumentation"/> class on LlmKit's meter.</summary>
    /// <param name="instrumentation">LlmKit's instrumentation, whose meter to use; a meter of the same name is created when omitted.</param>
    protected SharedStoreInstrumentation(LlmKitInstrumentation? instrumentation)
    {
        var meter = instrumentation?.Meter ?? (_ownMeter = new Meter(LlmKitInstrumentation.Name));
        _reclaimed = meter.CreateCounter<long>("llmkit.budget.reservations.reclaimed", "{reservation}",
            "Budget reservations reclaimed because their lease expired before they were settled.");
        _failures = meter.CreateCounter<long>("llmkit.store.failures", "{operation}",
            "Operations on a shared store that could not reach it.");
    }

    /// <summary>Counts budget reservations reclaimed after their lease expired.</summary>
    /// <param name="count">How many were reclaimed.</param>
    /// <param name="by">What reclaimed them: <c>reserve</c> (a reservation that needed the room) or <c>sweep</c>.</param>
    public void Reclaimed(long count, string by) => _reclaimed.Add(count, new KeyValuePair<string, object?>("llmkit.reclaim.by", by));

    /// <summary>Counts one operation that could not reach the store.</summary>
    /// <param name="outcome">What the store did instead: <c>fail_closed</c>, <c>fail_open</c> or <c>settle_deferred</c>.</param>
    public void StoreFailure(string outcome) => _failures.Add(1, new KeyValuePair<string, object?>("llmkit.store.outcome", outcome));

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the meter this instance created, if it created one.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _ownMeter?.Dispose();
        }
    }
}
