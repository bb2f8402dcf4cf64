using LlmKit.Telemetry;

namespace LlmKit.Usage;

/// <summary>
/// Adds each usage entry to LlmKit's usage counters (<c>llmkit.usage.calls</c>, <c>llmkit.usage.tokens</c>,
/// <c>llmkit.usage.cost</c>) on the <see cref="LlmKitInstrumentation.Meter"/>, tagged with client, model, outcome,
/// tenant and feature.
/// </summary>
/// <remarks>
/// Tenant is a metric tag so that dashboards can show spend per tenant; apps with very many tenants should aggregate
/// from a usage store instead, because every tenant is a separate time series.
/// </remarks>
public sealed class MetricsUsageSink : IUsageSink
{
    private readonly LlmKitInstrumentation _instrumentation;

    /// <summary>Initializes a new instance of the <see cref="MetricsUsageSink"/> class.</summary>
    /// <param name="instrumentation">The meter to report on.</param>
    public MetricsUsageSink(LlmKitInstrumentation instrumentation)
    {
        ArgumentNullException.ThrowIfNull(instrumentation);
        _instrumentation = instrumentation;
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(UsageEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var tags = new System.Diagnostics.TagList
        {
            { GenAiConventions.ClientName, entry.ClientName },
            { GenAiConventions.ResponseModel, entry.ServedModel ?? entry.RequestedModel },
            { GenAiConventions.Outcome, OutcomeName(entry.Outcome) },
            { GenAiConventions.Tenant, entry.Tenant },
            { GenAiConventions.Feature, entry.Feature },
        };
        _instrumentation.UsageCalls.Add(1, tags);
        if (entry.InputTokens > 0)
        {
            var input = tags;
            input.Add(GenAiConventions.TokenType, "input");
            _instrumentation.UsageTokens.Add(entry.InputTokens, input);
        }

        if (entry.OutputTokens > 0)
        {
            var output = tags;
            output.Add(GenAiConventions.TokenType, "output");
            _instrumentation.UsageTokens.Add(entry.OutputTokens, output);
        }

        if (entry.Cost is { } cost && cost != 0)
        {
            _instrumentation.UsageCost.Add((double)cost, tags);
        }

        return ValueTask.CompletedTask;
    }

    internal static string OutcomeName(UsageOutcome outcome) => outcome switch
    {
        UsageOutcome.Succeeded => "succeeded",
        UsageOutcome.CacheHit => "cache_hit",
        UsageOutcome.Failed => "failed",
        _ => "cancelled",
    };
}
