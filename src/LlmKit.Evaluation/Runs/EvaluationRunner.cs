using System.Diagnostics;
using System.Text.Json;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Runs;

/// <summary>
/// Runs a feature over a dataset: every case <see cref="EvaluationRunOptions.Repetitions"/> times with bounded
/// concurrency, scores each output with the evaluators, charges model calls to trials, stops at the cost cap, reports
/// progress, and resumes from a checkpoint. Or, sequentially, draws cases at random until a
/// <see cref="SequentialPassRateTest"/> reaches its decision.
/// </summary>
/// <remarks>
/// A feature that throws fails its trial (the exception is recorded) rather than the run; only cancellation of the
/// run's token stops the run, after the checkpoint has every finished trial.
/// </remarks>
public static class EvaluationRunner
{
    /// <summary>Runs every case of <paramref name="dataset"/> the configured number of times.</summary>
    /// <typeparam name="TInput">The feature's input type.</typeparam>
    /// <typeparam name="TExpected">The expected answer's type.</typeparam>
    /// <typeparam name="TOutput">The feature's output type.</typeparam>
    /// <param name="feature">The feature under evaluation.</param>
    /// <param name="dataset">The cases.</param>
    /// <param name="evaluators">The evaluators; a trial passes when no metric fails. With none, a trial passes when the output equals the expected value.</param>
    /// <param name="options">How to run; defaults when omitted.</param>
    /// <param name="progress">Receives a snapshot after each trial.</param>
    /// <param name="timeProvider">The clock for latencies; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The result.</returns>
    public static Task<EvaluationRunResult> RunAsync<TInput, TExpected, TOutput>(
        Func<TInput, CancellationToken, Task<TOutput>> feature,
        EvaluationDataset<TInput, TExpected> dataset,
        IReadOnlyList<ICaseEvaluator<TExpected, TOutput>>? evaluators = null,
        EvaluationRunOptions? options = null,
        IProgress<EvaluationProgress>? progress = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new EvaluationRunOptions();
        options.Validate();
        if (dataset.Cases.Count == 0)
        {
            throw new ArgumentException($"Dataset '{dataset.Name}' has no cases.", nameof(dataset));
        }

        var run = new Run<TInput, TExpected, TOutput>(feature, dataset, evaluators ?? [], options, progress, timeProvider ?? TimeProvider.System, sequential: null);
        return run.ExecuteAsync(cancellationToken);
    }

    /// <summary>
    /// Runs trials on cases drawn at random (with replacement) until <paramref name="test"/> decides, so a clear
    /// answer costs a fraction of a fixed-size run. Random draws make the trials independent, as the test requires.
    /// </summary>
    /// <typeparam name="TInput">The feature's input type.</typeparam>
    /// <typeparam name="TExpected">The expected answer's type.</typeparam>
    /// <typeparam name="TOutput">The feature's output type.</typeparam>
    /// <param name="feature">The feature under evaluation.</param>
    /// <param name="dataset">The cases to draw from.</param>
    /// <param name="test">The sequential test, fresh (no observations yet).</param>
    /// <param name="evaluators">The evaluators.</param>
    /// <param name="options">How to run (<see cref="EvaluationRunOptions.Repetitions"/> is ignored).</param>
    /// <param name="progress">Receives a snapshot after each trial.</param>
    /// <param name="timeProvider">The clock for latencies.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The result, with <see cref="EvaluationRunResult.Sequential"/> set.</returns>
    public static Task<EvaluationRunResult> RunSequentialAsync<TInput, TExpected, TOutput>(
        Func<TInput, CancellationToken, Task<TOutput>> feature,
        EvaluationDataset<TInput, TExpected> dataset,
        SequentialPassRateTest test,
        IReadOnlyList<ICaseEvaluator<TExpected, TOutput>>? evaluators = null,
        EvaluationRunOptions? options = null,
        IProgress<EvaluationProgress>? progress = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(test);
        if (test.Trials > 0)
        {
            throw new ArgumentException("The sequential test has observations already; start with a fresh one.", nameof(test));
        }

        options ??= new EvaluationRunOptions();
        options.Validate();
        var run = new Run<TInput, TExpected, TOutput>(feature, dataset, evaluators ?? [], options, progress, timeProvider ?? TimeProvider.System, test);
        return run.ExecuteAsync(cancellationToken);
    }

    private sealed class Run<TInput, TExpected, TOutput>(
        Func<TInput, CancellationToken, Task<TOutput>> feature,
        EvaluationDataset<TInput, TExpected> dataset,
        IReadOnlyList<ICaseEvaluator<TExpected, TOutput>> evaluators,
        EvaluationRunOptions options,
        IProgress<EvaluationProgress>? progress,
        TimeProvider timeProvider,
        SequentialPassRateTest? sequential)
    {
        private readonly Lock _gate = new();
        private readonly List<TrialResult> _trials = [];
        private readonly long _started = timeProvider.GetTimestamp();
        private SpendAccount _account = new();
        private RunCheckpoint? _checkpoint;
        private int _total;
        private bool _capReached;

        public async Task<EvaluationRunResult> ExecuteAsync(CancellationToken cancellationToken)
        {
            var startedAt = timeProvider.GetUtcNow();
            if (options.CheckpointPath is { } path)
            {
                _checkpoint = RunCheckpoint.Open(path, dataset.ContentHash, options.Repetitions, sequential is not null);
                var known = dataset.Cases.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
                _trials.AddRange(_checkpoint.Finished.Where(t => known.Contains(t.CaseId)));
                _account = new SpendAccount(initial: _trials.Sum(t => t.Cost ?? 0));
            }

            try
            {
                EvaluationStopReason reason;
                if (sequential is null)
                {
                    _total = dataset.Cases.Count * options.Repetitions;
                    reason = await RunAllAsync(cancellationToken);
                }
                else
                {
                    _total = sequential.MaxTrials;
                    reason = await RunSequentiallyAsync(sequential, cancellationToken);
                }

                return new EvaluationRunResult
                {
                    Name = options.Name ?? dataset.Name,
                    DatasetName = dataset.Name,
                    DatasetHash = dataset.ContentHash,
                    Repetitions = options.Repetitions,
                    Cases = dataset.Cases.Select(c => new CaseInfo(c.Id, c.Tags, dataset.HashOf(c.Id), c.Human)).ToArray(),
                    Trials = Ordered(),
                    StopReason = reason,
                    Sequential = sequential is null ? null : new SequentialSummary(sequential.Decision, sequential.Bar, sequential.Indifference, sequential.Trials, sequential.FixedSampleTrials),
                    Spend = options.CostMeter is null ? null : _account.Spend,
                    StartedAt = startedAt,
                    Duration = timeProvider.GetElapsedTime(_started),
                    Seed = options.Seed,
                };
            }
            finally
            {
                _checkpoint?.Dispose();
            }
        }

        private async Task<EvaluationStopReason> RunAllAsync(CancellationToken cancellationToken)
        {
            var done = _trials.Select(t => (t.CaseId, t.Repetition)).ToHashSet();
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken };

            // One lane per case: its repetitions run in order, different cases in parallel.
            await Parallel.ForEachAsync(dataset.Cases, parallel, async (evaluationCase, token) =>
            {
                for (int repetition = 0; repetition < options.Repetitions; repetition++)
                {
                    if (done.Contains((evaluationCase.Id, repetition)))
                    {
                        continue;
                    }

                    if (CapReached())
                    {
                        return;
                    }

                    Record(await RunTrialAsync(evaluationCase, repetition, token));
                }
            });

            return _capReached ? EvaluationStopReason.CostCapReached : EvaluationStopReason.Completed;
        }

        private async Task<EvaluationStopReason> RunSequentiallyAsync(SequentialPassRateTest test, CancellationToken cancellationToken)
        {
            // Draws are decided up front from the seed, so a resumed run draws the same cases in the same order.
            var random = new Random(options.Seed);
            var draws = new List<(EvaluationCase<TInput, TExpected> Case, int Repetition)>();
            var perCase = new Dictionary<string, int>(StringComparer.Ordinal);
            (EvaluationCase<TInput, TExpected>, int) Draw(int index)
            {
                while (draws.Count <= index)
                {
                    var drawn = dataset.Cases[random.Next(dataset.Cases.Count)];
                    int repetition = perCase.GetValueOrDefault(drawn.Id);
                    perCase[drawn.Id] = repetition + 1;
                    draws.Add((drawn, repetition));
                }

                return draws[index];
            }

            var finished = _trials.ToDictionary(t => (t.CaseId, t.Repetition));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var inFlight = new Dictionary<int, Task<TrialResult>>();
            int next = 0;
            for (int observed = 0; test.Decision == SequentialDecision.Continue; observed++)
            {
                // Keep up to MaxConcurrency draws in flight ahead of the one the test needs next.
                while (next < observed + options.MaxConcurrency && next < test.MaxTrials && !CapReached())
                {
                    var (drawnCase, repetition) = Draw(next);
                    inFlight[next] = finished.TryGetValue((drawnCase.Id, repetition), out var known)
                        ? Task.FromResult(known)
                        : RecordedAsync(drawnCase, repetition, stop.Token);
                    next++;
                }

                if (!inFlight.Remove(observed, out var task))
                {
                    break; // the cost cap stopped new draws before a decision
                }

                test.Observe((await task).Passed);
            }

            // The decision is made: trials drawn beyond it are not needed, so stop paying for them.
            await stop.CancelAsync();
            foreach (var task in inFlight.Values)
            {
                try
                {
                    await task;
                }
                catch (OperationCanceledException)
                {
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            return test.Decision == SequentialDecision.Continue && _capReached ? EvaluationStopReason.CostCapReached : EvaluationStopReason.SequentialDecision;
        }

        private async Task<TrialResult> RecordedAsync(EvaluationCase<TInput, TExpected> evaluationCase, int repetition, CancellationToken cancellationToken)
        {
            var trial = await RunTrialAsync(evaluationCase, repetition, cancellationToken);
            Record(trial);
            return trial;
        }

        private async Task<TrialResult> RunTrialAsync(EvaluationCase<TInput, TExpected> evaluationCase, int repetition, CancellationToken cancellationToken)
        {
            var account = new SpendAccount(_account);
            using var scope = EvaluationCostMeter.BeginTrial(account);
            using var timeout = options.TrialTimeout is { } limit ? new CancellationTokenSource(limit, timeProvider) : null;
            using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var token = linked?.Token ?? cancellationToken;

            long started = timeProvider.GetTimestamp();
            TOutput output;
            try
            {
                output = await feature(evaluationCase.Input, token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                return Failed(evaluationCase, repetition, timeProvider.GetElapsedTime(started), account, Describe(ex, timeout));
            }

            var latency = timeProvider.GetElapsedTime(started);
            var scores = new List<MetricScore>();
            try
            {
                if (evaluators.Count == 0)
                {
                    bool equal = EqualityComparer<TOutput>.Default.Equals(output, evaluationCase.Expected is TOutput expected ? expected : default);
                    scores.Add(MetricScore.PassFail("equals_expected", equal));
                }

                var context = new TrialContext<TInput, TExpected>(evaluationCase, repetition);
                foreach (var evaluator in evaluators)
                {
                    scores.AddRange(await evaluator.EvaluateAsync(context, output, token));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                return Failed(evaluationCase, repetition, latency, account, "evaluator failed: " + Describe(ex, timeout)) with { Output = Serialize(output) };
            }

            return new TrialResult
            {
                CaseId = evaluationCase.Id,
                Repetition = repetition,
                Passed = scores.All(s => s.Passed != false),
                Scores = scores,
                Latency = latency,
                Cost = options.CostMeter is null ? null : account.Spend,
                Output = Serialize(output),
            };
        }

        private TrialResult Failed(EvaluationCase<TInput, TExpected> evaluationCase, int repetition, TimeSpan latency, SpendAccount account, string error) => new()
        {
            CaseId = evaluationCase.Id,
            Repetition = repetition,
            Passed = false,
            Error = error,
            Latency = latency,
            Cost = options.CostMeter is null ? null : account.Spend,
        };

        private static string Describe(Exception ex, CancellationTokenSource? timeout) =>
            ex is OperationCanceledException && timeout?.IsCancellationRequested == true
                ? "TimeoutException: the trial took longer than EvaluationRunOptions.TrialTimeout"
                : $"{ex.GetType().Name}: {ex.Message}";

        private string? Serialize(TOutput output)
        {
            try
            {
                return JsonSerializer.Serialize(output, options.OutputSerializerOptions ?? dataset.SerializerOptions);
            }
            catch (NotSupportedException)
            {
                return output?.ToString();
            }
        }

        private bool CapReached()
        {
            if (options.CostCap is { } cap && _account.Spend >= cap)
            {
                _capReached = true;
            }

            return _capReached;
        }

        private void Record(TrialResult trial)
        {
            EvaluationProgress snapshot;
            lock (_gate)
            {
                _trials.Add(trial);
                snapshot = new EvaluationProgress(
                    _trials.Count, Math.Max(_total, _trials.Count), _trials.Count(t => t.Passed), _trials.Count(t => t.Error is not null), _account.Spend, timeProvider.GetElapsedTime(_started));
            }

            _checkpoint?.Append(trial);
            progress?.Report(snapshot);
        }

        private TrialResult[] Ordered()
        {
            var order = dataset.Cases.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);
            lock (_gate)
            {
                return _trials.OrderBy(t => order[t.CaseId]).ThenBy(t => t.Repetition).ToArray();
            }
        }
    }
}
