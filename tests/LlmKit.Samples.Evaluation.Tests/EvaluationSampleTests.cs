using ExtractionEvaluation;
using LlmKit.Evaluation.Assertions;
using LlmKit.Evaluation.Baselines;
using LlmKit.Evaluation.Evaluators;
using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;
using LlmKit.Testing.Recording;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Samples.Evaluation.Tests;

/// <summary>One evaluation of the sample, shared by the tests that read it (it is 450 feature calls).</summary>
public sealed class SampleRun : IAsyncLifetime
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("llmkit-evaluation-sample-").FullName;

    public DemoOutcome Outcome { get; private set; } = null!;

    public async Task InitializeAsync() => Outcome = await EvaluationDemo.EvaluateAsync(Folder, offline: true, TextWriter.Null);

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class EvaluationSampleTests(SampleRun sample) : IClassFixture<SampleRun>
{
    private const string F1 = FieldMatchEvaluator<Invoice>.F1Metric;

    [Fact]
    public void The_baseline_run_covers_30_cases_five_times_with_field_F1_and_its_interval()
    {
        var run = sample.Outcome.Baseline;
        Assert.Equal(30, run.Cases.Count);
        Assert.Equal(150, run.Trials.Count);
        Assert.Equal(EvaluationStopReason.Completed, run.StopReason);
        var f1 = run.Metric(F1)!.Value;
        Assert.InRange(f1.Estimate, 0.9, 1.0);
        Assert.True(f1.Lower < f1.Estimate && f1.Estimate <= f1.Upper, f1.ToString());
        Assert.True(run.Spend > 0, "the usage ledger priced the demo model's calls");
        Assert.Contains(run.MetricNames, m => m == $"{F1}:customer");
        Assert.True(run.PassRate().Interval.Width > 0);
    }

    [Fact]
    public void The_deliberately_worse_prompt_is_flagged_as_a_regression()
    {
        var worse = sample.Outcome.Worse;
        Assert.Equal(EvaluationOutcome.Failed, worse.Outcome);
        Assert.Equal(ComparisonVerdict.Worse, worse.Comparison!.Result!.Verdict);
        Assert.Equal(30, worse.Comparison.PairedCases.Count);
        Assert.Contains("regression", worse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_neutral_rewording_is_not_flagged()
    {
        var neutral = sample.Outcome.Neutral;
        Assert.Equal(EvaluationOutcome.Passed, neutral.Outcome);
        Assert.Equal(ComparisonVerdict.NoWorse, neutral.Comparison!.Result!.Verdict);
    }

    [Fact]
    public void The_checked_in_baseline_is_what_the_baseline_prompt_produces()
    {
        var recorded = EvaluationBaseline.Load(EvaluationDemo.BaselinePath());
        var current = EvaluationBaseline.FromRun(sample.Outcome.Baseline);
        Assert.Equal(recorded.DatasetHash, current.DatasetHash);
        foreach (var (before, now) in recorded.Cases.Zip(current.Cases))
        {
            Assert.Equal(before.Id, now.Id);
            Assert.Equal(before.Pass, now.Pass);
            Assert.Equal(before.Metrics[F1], now.Metrics[F1]);
        }
    }

    [Fact]
    public async Task The_markdown_summary_fits_a_pull_request_comment()
    {
        string markdown = await File.ReadAllTextAsync(sample.Outcome.MarkdownReport);
        Assert.Contains("## Evaluation: worse prompt", markdown, StringComparison.Ordinal);
        Assert.Contains("| field_f1 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| pass rate |", markdown, StringComparison.Ordinal);
        Assert.Contains("**Failed**", markdown, StringComparison.Ordinal);
        Assert.True(markdown.Length < 65_000, "GitHub rejects comments above 65,536 characters");
    }
}

public sealed class EvaluationReplayTests
{
    [Fact]
    public async Task A_replay_of_a_recorded_run_reproduces_its_results_exactly()
    {
        var dataset = EvaluationDemo.LoadDataset();
        RecordingChatClient? recorder = null;
        EvaluationRunResult recorded;
        var recordingMeter = new EvaluationCostMeter();
        await using (var services = EvaluationDemo.BuildServices(dataset, offline: true, recordingMeter, model => recorder = new RecordingChatClient(model)))
        {
            recorded = await EvaluationDemo.RunAsync(services.GetRequiredService<IChatClient>(), InvoiceExtractor.BaselinePrompt, "recorded", dataset, recordingMeter, TextWriter.Null, default);
        }

        string cassette = Path.Combine(Path.GetTempPath(), $"llmkit-eval-cassette-{Guid.NewGuid():N}.json");
        try
        {
            recorder!.Cassette.Save(cassette);
            var replayMeter = new EvaluationCostMeter();
            await using var replayServices = EvaluationDemo.BuildServices(dataset, offline: true, replayMeter, _ => ReplayChatClient.FromFile(cassette));
            var replayed = await EvaluationDemo.RunAsync(replayServices.GetRequiredService<IChatClient>(), InvoiceExtractor.BaselinePrompt, "recorded", dataset, replayMeter, TextWriter.Null, default);

            Assert.Equal(recorded.Trials.Count, replayed.Trials.Count);
            foreach (var (a, b) in recorded.Trials.Zip(replayed.Trials))
            {
                Assert.Equal((a.CaseId, a.Repetition, a.Passed, a.Output, a.Error, a.Cost), (b.CaseId, b.Repetition, b.Passed, b.Output, b.Error, b.Cost));
                Assert.Equal(a.Scores, b.Scores);
            }

            Assert.Equal(recorded.Metric(FieldMatchEvaluator<Invoice>.F1Metric), replayed.Metric(FieldMatchEvaluator<Invoice>.F1Metric));
            Assert.Equal(recorded.Spend, replayed.Spend);
        }
        finally
        {
            File.Delete(cassette);
        }
    }
}
