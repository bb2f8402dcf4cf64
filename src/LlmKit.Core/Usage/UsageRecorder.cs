using LlmKit.Budgets;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Usage;

/// <summary>
/// Builds <see cref="UsageEntry"/> records and hands them to every <see cref="IUsageSink"/>: the one place entries are
/// made, used by the usage-ledger stage for each upstream call and by the budget stage for a call it refused before
/// sending (which no stage inside it ever sees).
/// </summary>
internal sealed class UsageRecorder(IEnumerable<IUsageSink> sinks, IModelCatalog? catalog, Func<string, UsageLedgerOptions> optionsFor, TimeProvider timeProvider, ILogger? logger)
{
    private readonly IUsageSink[] _sinks = sinks.ToArray();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public TimeProvider Time => timeProvider;

    /// <summary>Records a call the budget refused: nothing was sent, so no tokens and no cost.</summary>
    public Task RecordRefusalAsync(string clientName, string? defaultModel, ChatOptions? chatOptions, BudgetExceededException refusal)
    {
        if (!optionsFor(clientName).RecordFailedCalls)
        {
            return Task.CompletedTask;
        }

        var entry = Entry(clientName, defaultModel, new CallSummary(), timeProvider.GetUtcNow(), timeProvider.GetTimestamp(), CallerTags.Of(chatOptions), chatOptions, isStreaming: false, ttfc: null) with
        {
            Outcome = UsageOutcome.Failed,
            ErrorKind = refusal.Kind,
            Cost = 0m,
        };
        return WriteAsync(entry);
    }

    public Task RecordFailureAsync(
        string clientName, string? defaultModel, Exception exception, DateTimeOffset startedAt, long start, CallerTags tags, ChatOptions? chatOptions, bool isStreaming,
        TimeSpan? ttfc, CancellationToken cancellationToken, CallSummary? partial = null)
    {
        if (!optionsFor(clientName).RecordFailedCalls)
        {
            return Task.CompletedTask;
        }

        bool cancelled = exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
        var entry = Entry(clientName, defaultModel, partial ?? new CallSummary(), startedAt, start, tags, chatOptions, isStreaming, ttfc) with
        {
            Outcome = cancelled ? UsageOutcome.Cancelled : UsageOutcome.Failed,
            ErrorKind = cancelled ? null : (exception as LlmException)?.Kind ?? LlmErrorKind.Unknown,
        };
        return WriteAsync(entry);
    }

    public UsageEntry Entry(string clientName, string? defaultModel, CallSummary summary, DateTimeOffset startedAt, long start, CallerTags tags, ChatOptions? chatOptions, bool isStreaming, TimeSpan? ttfc)
    {
        string? requested = chatOptions?.ModelId ?? defaultModel;
        string? served = summary.ModelId ?? requested;
        var (input, output, cacheRead, cacheWrite) = summary.IsCacheHit ? default : summary.Tokens;
        decimal? cost = summary.IsCacheHit ? 0m
            : summary.Usage is { } usage && served is not null ? catalog?.Find(served)?.CostOf(usage)
            : null;

        return new UsageEntry
        {
            LogicalCallId = LlmKitCall.Of(chatOptions)?.Id,
            Route = LlmKitCallProperties.Route.GetValueOrDefault(chatOptions),
            Attempt = LlmKitCallProperties.Attempt.GetValueOrDefault(chatOptions, 1),
            Reask = LlmKitCallProperties.Reask.TryGetValue(chatOptions, out int reask) ? reask : null,
            ToolTurn = LlmKitCallProperties.ToolTurn.TryGetValue(chatOptions, out int turn) ? turn : null,
            Timestamp = startedAt,
            ClientName = clientName,
            Tenant = tags.Tenant,
            Feature = tags.Feature,
            RequestId = tags.RequestId,
            RequestedModel = requested,
            ServedModel = served,
            InputTokens = input,
            OutputTokens = output,
            CacheReadTokens = cacheRead,
            CacheWriteTokens = cacheWrite,
            Cost = cost,
            Latency = timeProvider.GetElapsedTime(start),
            TimeToFirstChunk = ttfc,
            FinishReason = summary.FinishReason,
            IsStreaming = isStreaming,
            Outcome = summary.IsCacheHit ? UsageOutcome.CacheHit : UsageOutcome.Succeeded,
        };
    }

    public async Task WriteAsync(UsageEntry entry)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.WriteAsync(entry, CancellationToken.None);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Usage sink {Sink} failed to record a call of client {Client}; the call itself is unaffected.",
                    sink.GetType().Name, entry.ClientName);
            }
        }
    }
}
