using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;
using LlmKit.Models;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Evaluation.Tests;

public sealed class RunnerTests
{
    internal static EvaluationDataset<int, int> Squares(int count) =>
        EvaluationDataset<int, int>.Create("squares", Enumerable.Range(1, count).Select(i => new EvaluationCase<int, int> { Id = $"c{i}", Input = i, Expected = i * i, Tags = [i % 2 == 0 ? "even" : "odd"] }));

    [Fact]
    public async Task Every_case_runs_the_configured_number_of_times_and_repetitions_of_a_case_run_in_order()
    {
        var calls = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var run = await EvaluationRunner.RunAsync<int, int, int>(
            async (x, ct) => { calls.Enqueue(x); await Task.Yield(); return x * x; },
            Squares(6),
            options: new EvaluationRunOptions { Repetitions = 3, MaxConcurrency = 3 });

        Assert.Equal(18, run.Trials.Count);
        Assert.All(run.Trials, t => Assert.True(t.Passed));
        Assert.Equal(Enumerable.Range(0, 3), run.Trials.Where(t => t.CaseId == "c4").Select(t => t.Repetition));
        Assert.Equal(1.0, run.PassRate().Interval.Estimate);
        Assert.Equal(["even", "odd"], run.PassRateByTag().Keys);
        Assert.Null(run.Spend);
    }

    [Fact]
    public async Task A_feature_that_throws_fails_its_trial_not_the_run()
    {
        var run = await EvaluationRunner.RunAsync<int, int, int>(
            (x, _) => x == 2 ? throw new InvalidOperationException("boom") : Task.FromResult(x * x),
            Squares(3));

        var failed = Assert.Single(run.Trials, t => !t.Passed);
        Assert.Equal("c2", failed.CaseId);
        Assert.Equal("InvalidOperationException: boom", failed.Error);
    }

    [Fact]
    public async Task The_cost_cap_stops_new_trials_once_the_ledger_priced_spend_reaches_it()
    {
        // A real LlmKit pipeline: the usage ledger prices each call from the catalog and hands it to the meter.
        var meter = new EvaluationCostMeter();
        var model = new ScriptedChatClient(modelId: "priced-model").RespondToEveryRequest(_ => ScriptedTurn.FromText("ok").WithUsage(inputTokens: 1_000_000, outputTokens: 0));
        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddModelCatalog(o => o.Models["priced-model"] = new ModelOverride { ContextWindow = 8000, MaxOutputTokens = 1000, InputPricePerMillion = 0.10m, OutputPricePerMillion = 0 })
            .UseUsageLedger()
            .AddUsageSink(meter)
            .AddChatClient("m", _ => model);
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        var run = await EvaluationRunner.RunAsync<int, int, int>(
            async (x, ct) => { await chat.GetResponseAsync("hi", cancellationToken: ct); return x * x; },
            Squares(10),
            options: new EvaluationRunOptions { Repetitions = 2, MaxConcurrency = 1, CostCap = 0.35m, CostMeter = meter });

        Assert.Equal(EvaluationStopReason.CostCapReached, run.StopReason);
        Assert.Equal(4, run.Trials.Count); // 0.10 each: the fourth trial takes the spend to 0.40, past the cap
        Assert.Equal(0.40m, run.Spend);
        Assert.All(run.Trials, t => Assert.Equal(0.10m, t.Cost));
        Assert.Equal(4, meter.PricedCalls);
    }

    [Fact]
    public void A_cost_cap_without_a_meter_is_refused_at_the_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            EvaluationRunner.RunAsync<int, int, int>((x, _) => Task.FromResult(x), Squares(1), options: new EvaluationRunOptions { CostCap = 1m }).GetAwaiter().GetResult());
        Assert.Contains("CostMeter", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interrupted_run_resumes_from_its_checkpoint_without_repeating_finished_trials()
    {
        string checkpoint = Path.Combine(Path.GetTempPath(), $"llmkit-checkpoint-{Guid.NewGuid():N}.jsonl");
        try
        {
            int calls = 0;
            using var stop = new CancellationTokenSource();
            var options = new EvaluationRunOptions { Repetitions = 2, MaxConcurrency = 1, CheckpointPath = checkpoint };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => EvaluationRunner.RunAsync<int, int, int>(
                (x, ct) =>
                {
                    if (Interlocked.Increment(ref calls) == 7)
                    {
                        stop.Cancel();
                        ct.ThrowIfCancellationRequested();
                    }

                    return Task.FromResult(x * x);
                },
                Squares(5), options: options, cancellationToken: stop.Token));
            Assert.Equal(7, calls);

            int resumedCalls = 0;
            var run = await EvaluationRunner.RunAsync<int, int, int>((x, _) => { resumedCalls++; return Task.FromResult(x * x); }, Squares(5), options: options);

            Assert.Equal(4, resumedCalls); // 6 of 10 trials were finished before the interruption
            Assert.Equal(10, run.Trials.Count);
            Assert.Equal(10, run.Trials.Select(t => (t.CaseId, t.Repetition)).Distinct().Count());

            var other = Assert.Throws<InvalidOperationException>(() =>
                EvaluationRunner.RunAsync<int, int, int>((x, _) => Task.FromResult(x), Squares(6), options: options).GetAwaiter().GetResult());
            Assert.Contains("belongs to another run", other.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }

    [Fact]
    public async Task A_sequential_run_stops_when_the_answer_is_clear_and_reports_the_saving()
    {
        var test = new SequentialPassRateTest(bar: 0.7, indifference: 0.1);
        var run = await EvaluationRunner.RunSequentialAsync<int, int, int>((x, _) => Task.FromResult(x * x), Squares(20), test);

        Assert.Equal(EvaluationStopReason.SequentialDecision, run.StopReason);
        Assert.Equal(SequentialDecision.Above, run.Sequential!.Decision);
        Assert.True(run.Sequential.Trials < run.Sequential.FixedSampleTrials / 2, $"{run.Sequential.Trials} trials vs {run.Sequential.FixedSampleTrials}");
        Assert.True(run.Sequential.Saving > 0.5);
    }

    [Fact]
    public async Task Metrics_get_cluster_bootstrap_intervals_and_unmeasured_values_are_left_out()
    {
        var evaluator = new DelegateEvaluator((context, output) =>
            [new MetricScore("score", context.CaseId == "c1" ? double.NaN : output % 3 / 2.0)]);
        var run = await EvaluationRunner.RunAsync<int, int, int>((x, _) => Task.FromResult(x), Squares(12), [evaluator], new EvaluationRunOptions { Repetitions = 2 });

        var interval = run.Metric("score")!.Value;
        Assert.True(interval.Lower < interval.Estimate && interval.Estimate < interval.Upper);
        Assert.False(run.ValuesByCase("score").ContainsKey("c1"));
        Assert.Null(run.Metric("missing"));
    }

    internal sealed class DelegateEvaluator(Func<ITrialContext<int>, int, IReadOnlyList<MetricScore>> score) : ICaseEvaluator<int, int>
    {
        public IReadOnlyList<string> MetricNames => ["score"];

        public ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<int> context, int output, CancellationToken cancellationToken) =>
            ValueTask.FromResult(score(context, output));
    }
}
