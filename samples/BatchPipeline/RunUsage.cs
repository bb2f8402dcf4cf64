using System.Collections.Concurrent;
using LlmKit.Usage;

namespace BatchPipeline;

/// <summary>Totals of the model calls of one run, as the usage ledger recorded them.</summary>
public sealed record RunUsageTotals(long Calls, long InputTokens, long OutputTokens, decimal Cost, long TransportRetries, long RejectedByBudget);

/// <summary>
/// A usage-ledger sink that adds up every upstream call per run (the run id is the calls' request id), so the progress
/// bar and the summary show what the ledger — not the pipeline's own guess — says was spent, retries and failed calls
/// included. The ledger records each attempt as an entry of its own (an entry whose attempt number is above 1 is a
/// retry), and a call the budget refused as a failed entry of kind BudgetExceeded that never reached the model.
/// </summary>
public sealed class RunUsage : IUsageSink
{
    private readonly ConcurrentDictionary<string, Totals> _runs = new(StringComparer.Ordinal);

    public ValueTask WriteAsync(UsageEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.RequestId is { } runId)
        {
            _runs.GetOrAdd(runId, _ => new Totals()).Add(entry);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Returns the totals of one run so far.</summary>
    public RunUsageTotals Of(string runId) => _runs.TryGetValue(runId, out var totals) ? totals.Read() : new(0, 0, 0, 0m, 0, 0);

    private sealed class Totals
    {
        private readonly Lock _lock = new();
        private RunUsageTotals _value = new(0, 0, 0, 0m, 0, 0);

        public void Add(UsageEntry entry)
        {
            bool rejected = entry.ErrorKind == LlmKit.Errors.LlmErrorKind.BudgetExceeded;
            lock (_lock)
            {
                _value = _value with
                {
                    Calls = _value.Calls + (rejected ? 0 : 1),
                    InputTokens = _value.InputTokens + entry.InputTokens,
                    OutputTokens = _value.OutputTokens + entry.OutputTokens,
                    Cost = _value.Cost + (entry.Cost ?? 0m),
                    TransportRetries = _value.TransportRetries + (entry.Attempt > 1 ? 1 : 0),
                    RejectedByBudget = _value.RejectedByBudget + (rejected ? 1 : 0),
                };
            }
        }

        public RunUsageTotals Read()
        {
            lock (_lock)
            {
                return _value;
            }
        }
    }
}
