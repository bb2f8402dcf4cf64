using System.Diagnostics;
using LlmKit.Errors;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.FanOut;

/// <summary>
/// Runs several chat calls at once (different prompts, models or providers) with a deadline and a quorum, and returns
/// the answers that arrived plus a typed failure for each of the rest; nothing that arrived is lost to a failure of
/// another call. All the calls are one logical call (<c>fan_out</c>).
/// </summary>
public static class ChatFanOut
{
    /// <summary>Runs the calls.</summary>
    /// <param name="calls">The calls; names must be unique.</param>
    /// <param name="options">Deadline, quorum and concurrency; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock of the deadline; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the fan-out: every call is cancelled and the cancellation is thrown.</param>
    /// <returns>The answers and failures.</returns>
    /// <exception cref="ArgumentException">No calls, repeated names, or invalid options (a quorum above the number of calls).</exception>
    public static async Task<FanOutResult> RunAsync(
        IReadOnlyList<FanOutCall> calls, FanOutOptions? options = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        options ??= new FanOutOptions();
        var failures = options.Validate(nameof(FanOutOptions), calls.Count).ToList();
        if (calls.Count == 0)
        {
            failures.Insert(0, "A fan-out needs at least one call.");
        }
        else if (calls.Any(c => c is null || string.IsNullOrWhiteSpace(c.Name) || c.Client is null || c.Messages is null))
        {
            failures.Add("Every call needs a name, a client and messages.");
        }
        else if (calls.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != calls.Count)
        {
            failures.Add($"Call names must be unique: {string.Join(", ", calls.Select(c => c.Name))}.");
        }

        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(calls));
        }

        var time = timeProvider ?? TimeProvider.System;
        int quorum = options.Quorum ?? calls.Count;
        using var scope = calls[0].Client.BeginLlmKitCall(calls[0].Options, FanOutConstants.CallKind);
        using var deadline = options.Deadline is { } d ? new CancellationTokenSource(d, time) : new CancellationTokenSource();
        using var quorumMet = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token, quorumMet.Token);
        using var slots = new SemaphoreSlim(options.MaxConcurrency);
        var outcomes = new object?[calls.Count];
        int succeeded = 0;

        async Task RunOneAsync(int index)
        {
            var call = calls[index];
            long start = time.GetTimestamp();
            try
            {
                await slots.WaitAsync(linked.Token);
                try
                {
                    var response = await call.Client.GetResponseAsync(call.Messages, scope.Apply(call.Options), linked.Token);
                    outcomes[index] = new FanOutSuccess(call.Name, response, time.GetElapsedTime(start));
                }
                finally
                {
                    slots.Release();
                }

                if (Interlocked.Increment(ref succeeded) >= quorum && options.StopAtQuorum)
                {
                    await quorumMet.CancelAsync();
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && (deadline.IsCancellationRequested || quorumMet.IsCancellationRequested))
            {
                outcomes[index] = quorumMet.IsCancellationRequested && !deadline.IsCancellationRequested
                    ? new FanOutFailure(call.Name, FanOutFailureKind.NotNeeded, "The quorum was met first.")
                    : new FanOutFailure(call.Name, FanOutFailureKind.TimedOut, $"No answer within the deadline of {options.Deadline}.");
            }
            catch (LlmException ex) when (ex.Kind == LlmErrorKind.Timeout && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                outcomes[index] = new FanOutFailure(call.Name, FanOutFailureKind.TimedOut, $"No answer within the deadline of {options.Deadline}.") { Error = ex };
            }
            catch (LlmException ex)
            {
                outcomes[index] = new FanOutFailure(call.Name, FanOutFailureKind.Failed, $"{ex.Kind}: {ex.Message}") { Error = ex };
            }
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, calls.Count).Select(RunOneAsync));
        }
        catch (Exception ex)
        {
            scope.SetFailure(ex);
            throw;
        }

        var result = new FanOutResult(outcomes.OfType<FanOutSuccess>().ToList(), outcomes.OfType<FanOutFailure>().ToList(), quorum, scope.Call.Id);
        Debug.Assert(result.Succeeded.Count + result.Failed.Count == calls.Count, "every call ends as an answer or a failure");
        scope.SetOutcome(result.QuorumMet ? "quorum_met" : "quorum_missed");
        return result;
    }
}
