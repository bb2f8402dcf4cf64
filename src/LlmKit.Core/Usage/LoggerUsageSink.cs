using Microsoft.Extensions.Logging;

namespace LlmKit.Usage;

/// <summary>Writes each usage entry as one structured log event (category <c>LlmKit.Usage</c>, event id 7001).</summary>
public sealed class LoggerUsageSink : IUsageSink
{
    /// <summary>The event id of usage log events: 7001, <c>LlmUsage</c>.</summary>
    public static readonly EventId UsageEventId = new(7001, "LlmUsage");

    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="LoggerUsageSink"/> class.</summary>
    /// <param name="loggerFactory">Creates the <c>LlmKit.Usage</c> logger.</param>
    public LoggerUsageSink(ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger("LlmKit.Usage");
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(UsageEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            // Eighteen fields exceed LoggerMessage.Define's six, so this uses the params overload; it runs once per model
            // call, which costs far more than the boxing.
            _logger.LogInformation(
                UsageEventId,
                "LLM call {Client} call={LogicalCallId} route={Route} attempt={Attempt} tenant={Tenant} feature={Feature} request={RequestId} " +
                "model={RequestedModel}->{ServedModel} input={InputTokens} output={OutputTokens} cacheRead={CacheReadTokens} " +
                "cacheWrite={CacheWriteTokens} cost={Cost} latencyMs={LatencyMs} ttfcMs={TimeToFirstChunkMs} finish={FinishReason} outcome={Outcome}",
                entry.ClientName, entry.LogicalCallId, entry.Route, entry.Attempt, entry.Tenant, entry.Feature, entry.RequestId,
                entry.RequestedModel, entry.ServedModel, entry.InputTokens, entry.OutputTokens, entry.CacheReadTokens,
                entry.CacheWriteTokens, entry.Cost, entry.Latency.TotalMilliseconds, entry.TimeToFirstChunk?.TotalMilliseconds,
                entry.FinishReason?.Value, entry.Outcome);
        }

        return ValueTask.CompletedTask;
    }
}
