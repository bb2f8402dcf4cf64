using LlmKit.Evaluation.Assertions;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;
using LlmKit.Testing;
using LlmKit.Testing.Recording;
using Microsoft.Extensions.AI;

namespace LlmKit.Docs.Snippets;

public static class EvaluationSnippets
{
    // A stand-in for a real feature: classifies a ticket, wrong on the tickets that mention "refund?" about half the time.
    private static Task<string> Classify(string ticket, int attempt) =>
        Task.FromResult(ticket.Contains("refund?", StringComparison.Ordinal) && attempt % 2 == 1 ? "other" : ticket.Split(':')[0]);

    public static async Task<PassRateVerdict> PassRate()
    {
        int calls = 0;
        Func<string, CancellationToken, Task<string>> classifyTicket = (ticket, _) => Classify(ticket, Interlocked.Increment(ref calls));
        #region evaluation-pass-rate
        var dataset = EvaluationDataset<string, string>.Create("tickets", Enumerable.Range(1, 40).Select(i => new EvaluationCase<string, string>
        {
            Id = $"t{i}",
            Input = i % 10 == 0 ? $"billing: refund? order {i}" : $"{(i % 2 == 0 ? "billing" : "shipping")}: order {i}",
            Expected = i % 2 == 0 ? "billing" : "shipping",
            Tags = [i % 10 == 0 ? "refund" : "plain"],
        }));

        // Fails only if the data show the rate is below 0.8 (95% one-sided); "inconclusive — run more" if they cannot tell.
        PassRateVerdict verdict = await Evaluate.That(classifyTicket)
            .On(dataset)
            .ScoredBy(new ExactMatchEvaluator(TextNormalization.All))
            .Repeat(3)
            .PassRateAtLeast(0.8, confidence: 0.95);
        Console.WriteLine(verdict.Message);   // Passed: the pass rate is at least 0.8 with 95% confidence: pass rate 0.95 …
        #endregion
        return verdict;
    }

    public static async Task<(RegressionVerdict Recorded, RegressionVerdict Gate)> RegressionGate()
    {
        string baselinePath = Path.Combine(Path.GetTempPath(), $"llmkit-docs-{Guid.NewGuid():N}", "tickets.baseline.json");
        var dataset = EvaluationDataset<string, string>.Create("tickets", Enumerable.Range(1, 30).Select(i => new EvaluationCase<string, string>
        {
            Id = $"t{i}", Input = $"{(i % 3 == 0 ? "billing" : "shipping")}: order {i}", Expected = i % 3 == 0 ? "billing" : "shipping",
        }));
        Func<string, CancellationToken, Task<string>> oldPrompt = (ticket, _) => Task.FromResult(ticket.Split(':')[0]);
        Func<string, CancellationToken, Task<string>> newPrompt = (ticket, _) => Task.FromResult(ticket.EndsWith('0') || ticket.EndsWith('5') ? "other" : ticket.Split(':')[0]);
        try
        {
            #region evaluation-regression-gate
            // Once, and whenever the change is intended: record the baseline file and commit it
            // (in a test run, LLMKIT_UPDATE_BASELINES=1 does the same for every gate).
            var recorded = (await Evaluate.That(oldPrompt).On(dataset).Repeat(3).RunAsync())
                .NoWorseThan(baselinePath, margin: 0.05, updateBaseline: true);

            // In every pull request: paired over the cases both runs share, one-sided 95%.
            var gate = (await Evaluate.That(newPrompt).On(dataset).Repeat(3).RunAsync())
                .NoWorseThan(baselinePath, margin: 0.05);
            Console.WriteLine(gate.Message);   // Failed: regression — the pass rate dropped by more than 0.05 versus the baseline …
            #endregion
            return (recorded, gate);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(baselinePath)!, recursive: true);
        }
    }

    public static (SamplePlan Regression, SamplePlan PassRate, int ScoreCases) Planning()
    {
        #region evaluation-planning
        // How big must the dataset be to catch a 10-point drop from an 85% pass rate, 80% of the time?
        SamplePlan once = SampleSizePlanner.ForRegression(baselineRate: 0.85, drop: 0.10, repetitions: 1, intraCaseCorrelation: 0.3);
        SamplePlan thrice = SampleSizePlanner.ForRegression(baselineRate: 0.85, drop: 0.10, repetitions: 3, intraCaseCorrelation: 0.3);
        Console.WriteLine($"{once} or {thrice}");   // repetitions buy fewer cases, at more trials

        // To show "at least 0.9" when the feature is really at 0.95:
        SamplePlan passRate = SampleSizePlanner.ForPassRate(expectedRate: 0.95, bar: 0.9, repetitions: 1);

        // For a score (F1): the spread of per-case differences from a pilot comparison.
        int cases = SampleSizePlanner.CasesForScoreRegression(differenceStandardDeviation: 0.08, drop: 0.03, margin: 0.01);
        #endregion
        return (thrice, passRate, cases);
    }

    public static (ClusteredProportionEstimate PassRate, PairedComparisonResult Comparison) Statistics()
    {
        #region evaluation-statistics
        // 30 cases run 5 times each: hard cases fail every time, so the trials are not 150 independent observations.
        int[] passes = [.. Enumerable.Repeat(5, 24), .. Enumerable.Repeat(0, 4), 3, 2];
        int[] runs = [.. Enumerable.Repeat(5, 30)];
        ClusteredProportionEstimate rate = ClusteredProportion.Estimate(passes, runs);
        Console.WriteLine($"{rate.Interval}, worth {rate.EffectiveTrials:0} independent trials");

        // The same 30 cases under a candidate prompt: a paired comparison of per-case pass rates.
        IReadOnlyList<double>[] before = [.. passes.Select(p => (IReadOnlyList<double>)[p / 5.0])];
        IReadOnlyList<double>[] after = [.. passes.Select((p, i) => (IReadOnlyList<double>)[(i < 6 ? Math.Max(0, p - 3) : p) / 5.0])];
        PairedComparisonResult comparison = PairedComparison.Compare(before, after, margin: 0.02);
        Console.WriteLine(comparison);   // Worse: difference -0.12 [...] over 30 cases ...
        #endregion
        return (rate, comparison);
    }

    public static async Task<(string Recorded, string Replayed, bool UnrecordedFailed)> RecordAndReplay()
    {
        string cassettePath = Path.Combine(Path.GetTempPath(), $"llmkit-docs-{Guid.NewGuid():N}.json");
        IChatClient realModel = new ScriptedChatClient().EnqueueText("Paris");
        try
        {
            #region evaluation-record-replay
            // Record a real run once (secrets are scrubbed before anything is written) …
            var recorder = new RecordingChatClient(realModel);
            string recorded = (await recorder.GetResponseAsync("Capital of France?")).Text;
            recorder.Cassette.Save(cassettePath);

            // … and replay it in CI: same answers, no network, and a loud failure for anything not recorded.
            var replay = ReplayChatClient.FromFile(cassettePath);
            string replayed = (await replay.GetResponseAsync("Capital of France?")).Text;
            bool unrecordedFailed = false;
            try
            {
                await replay.GetResponseAsync("Capital of Spain?");
            }
            catch (UnrecordedRequestException)
            {
                unrecordedFailed = true;
            }
            #endregion
            return (recorded, replayed, unrecordedFailed);
        }
        finally
        {
            File.Delete(cassettePath);
        }
    }

    public static async Task<EvaluationRunResult> Sequential()
    {
        var dataset = EvaluationDataset<string, string>.Create("tickets", Enumerable.Range(1, 50).Select(i => new EvaluationCase<string, string>
        {
            Id = $"t{i}", Input = $"billing: order {i}", Expected = "billing",
        }));
        Func<string, CancellationToken, Task<string>> classifyTicket = (ticket, _) => Task.FromResult(ticket.Split(':')[0]);
        #region evaluation-sequential
        // Draws cases at random and stops as soon as "above 0.8" (or "below") is clear at 95%.
        EvaluationRunResult run = await Evaluate.That(classifyTicket)
            .On(dataset)
            .PassRateAboveSequentially(bar: 0.8, indifference: 0.1);
        Console.WriteLine($"{run.Sequential!.Trials} trials instead of {run.Sequential.FixedSampleTrials} ({run.Sequential.Saving:P0} saved)");
        #endregion
        return run;
    }
}
