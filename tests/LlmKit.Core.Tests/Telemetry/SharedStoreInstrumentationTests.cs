using System.Diagnostics.Metrics;
using LlmKit.Telemetry;
using Xunit;

namespace LlmKit.Core.Tests.Telemetry;

public sealed class SharedStoreInstrumentationTests
{
    private sealed class TestStoreInstrumentation(LlmKitInstrumentation? instrumentation) : SharedStoreInstrumentation(instrumentation);

    [Fact]
    public void Reclaims_and_store_failures_are_counted_on_LlmKits_meter_with_their_tags()
    {
        using var llmKit = new LlmKitInstrumentation();
        using var store = new TestStoreInstrumentation(llmKit);
        var seen = new List<(string Name, long Value, string Tag)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, llmKit.Meter) && instrument.Name is "llmkit.budget.reservations.reclaimed" or "llmkit.store.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => seen.Add((instrument.Name, value, $"{tags[0].Key}={tags[0].Value}")));
        listener.Start();

        store.Reclaimed(3, "sweep");
        store.StoreFailure("settle_deferred");

        Assert.Equal(
            [("llmkit.budget.reservations.reclaimed", 3L, "llmkit.reclaim.by=sweep"), ("llmkit.store.failures", 1L, "llmkit.store.outcome=settle_deferred")],
            seen);
    }
}
