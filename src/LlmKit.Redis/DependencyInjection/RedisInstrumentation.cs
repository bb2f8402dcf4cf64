using System.Diagnostics.Metrics;
using LlmKit.Telemetry;

namespace LlmKit.Redis;

/// <summary>
/// The Redis stores' instruments, on LlmKit's meter (<c>LlmKit</c>), named as the PostgreSQL stores' are so one
/// dashboard serves both: <c>llmkit.budget.reservations.reclaimed</c> (tagged <c>llmkit.reclaim.by</c> = reserve or
/// sweep) and <c>llmkit.store.failures</c> (tagged <c>llmkit.store.outcome</c> = fail_closed, fail_open or
/// settle_deferred).
/// </summary>
public sealed class RedisInstrumentation : IDisposable
{
    private readonly Meter? _ownMeter;
    private readonly Counter<long> _reclaimed;
    private readonly Counter<long> _failures;

    /// <summary>Initializes a new instance of the <see cref="RedisInstrumentation"/> class on LlmKit's meter.</summary>
    /// <param name="instrumentation">LlmKit's instrumentation, whose meter to use; a meter of the same name is created when omitted.</param>
    public RedisInstrumentation(LlmKitInstrumentation? instrumentation = null)
    {
        var meter = instrumentation?.Meter ?? (_ownMeter = new Meter(LlmKitInstrumentation.Name));
        _reclaimed = meter.CreateCounter<long>("llmkit.budget.reservations.reclaimed", "{reservation}",
            "Budget reservations reclaimed because their lease expired before they were settled.");
        _failures = meter.CreateCounter<long>("llmkit.store.failures", "{operation}",
            "Operations on a shared store that could not reach it.");
    }

    /// <inheritdoc />
    public void Dispose() => _ownMeter?.Dispose();

    internal void Reclaimed(long count, string by) => _reclaimed.Add(count, new KeyValuePair<string, object?>("llmkit.reclaim.by", by));

    internal void StoreFailure(string outcome) => _failures.Add(1, new KeyValuePair<string, object?>("llmkit.store.outcome", outcome));
}
