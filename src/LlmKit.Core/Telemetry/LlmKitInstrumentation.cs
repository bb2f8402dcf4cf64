using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace LlmKit.Telemetry;

/// <summary>
/// The <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/> every
/// LlmKit stage reports through, both named <see cref="Name"/>. Register with OpenTelemetry as
/// <c>.AddSource("LlmKit")</c> and <c>.AddMeter("LlmKit")</c>.
/// </summary>
/// <remarks>
/// One instance per service provider (registered as a singleton by the stages that use it), so that two hosts in one
/// process, or two tests running in parallel, can be told apart by listeners that compare instances.
/// </remarks>
public sealed class LlmKitInstrumentation : IDisposable
{
    /// <summary>The name of LlmKit's activity source and meter: <c>LlmKit</c>.</summary>
    public const string Name = "LlmKit";

    /// <summary>Initializes a new instance of the <see cref="LlmKitInstrumentation"/> class.</summary>
    public LlmKitInstrumentation()
    {
        string? version = typeof(LlmKitInstrumentation).Assembly.GetName().Version?.ToString();
        ActivitySource = new ActivitySource(Name, version);
        Meter = new Meter(Name, version);

        // Instruments are created once here rather than per stage, so exporters see one instrument per name however
        // many clients a host registers.
        TokenUsage = Meter.CreateHistogram<long>(GenAiConventions.TokenUsageMetric, "{token}",
            "Number of input and output tokens used.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });
        OperationDuration = Meter.CreateHistogram<double>(GenAiConventions.OperationDurationMetric, "s",
            "GenAI operation duration.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        TimeToFirstChunk = Meter.CreateHistogram<double>(GenAiConventions.TimeToFirstChunkMetric, "s",
            "Time from the request to the first streamed chunk.");
        Cost = Meter.CreateCounter<double>(GenAiConventions.CostMetric, "USD", "Cost of model calls, priced from the model catalog.");
        CacheRequests = Meter.CreateCounter<long>(GenAiConventions.CacheRequestsMetric, "{request}",
            "Response and embedding cache lookups, tagged llmkit.cache.outcome = hit, miss or bypass.");
        UsageCalls = Meter.CreateCounter<long>(GenAiConventions.UsageCallsMetric, "{call}", "Model calls recorded by the usage ledger.");
        UsageTokens = Meter.CreateCounter<long>(GenAiConventions.UsageTokensMetric, "{token}", "Tokens recorded by the usage ledger.");
        UsageCost = Meter.CreateCounter<double>(GenAiConventions.UsageCostMetric, "USD", "Cost recorded by the usage ledger.");
        BudgetRejections = Meter.CreateCounter<long>(GenAiConventions.BudgetRejectionsMetric, "{call}", "Calls the budget stage rejected or downgraded.");
    }

    /// <summary>Gets the activity source LlmKit's spans are started from.</summary>
    public ActivitySource ActivitySource { get; }

    /// <summary>Gets the meter LlmKit's instruments belong to.</summary>
    public Meter Meter { get; }

    internal Histogram<long> TokenUsage { get; }

    internal Histogram<double> OperationDuration { get; }

    internal Histogram<double> TimeToFirstChunk { get; }

    internal Counter<double> Cost { get; }

    internal Counter<long> CacheRequests { get; }

    internal Counter<long> UsageCalls { get; }

    internal Counter<long> UsageTokens { get; }

    internal Counter<double> UsageCost { get; }

    internal Counter<long> BudgetRejections { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        ActivitySource.Dispose();
        Meter.Dispose();
    }
}
