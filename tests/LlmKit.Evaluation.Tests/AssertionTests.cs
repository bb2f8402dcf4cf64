using LlmKit.Evaluation.Assertions;
using LlmKit.Evaluation.Baselines;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Reports;
using LlmKit.Evaluation.Runs;

namespace LlmKit.Evaluation.Tests;

public sealed class AssertionTests
{
    private static Func<int, CancellationToken, Task<int>> FailingOn(params int[] inputs) =>
        (x, _) => Task.FromResult(inputs.Contains(x) ? -1 : x * x);

    [Fact]
    public async Task A_pass_rate_clearly_above_the_bar_passes()
    {
        var verdict = await Evaluate.That(FailingOn()).On(RunnerTests.Squares(60)).PassRateAtLeast(0.9);
        Assert.Equal(EvaluationOutcome.Passed, verdict.Outcome);
        Assert.True(verdict.Estimate.Interval.Lower >= 0.9);
    }

    [Fact]
    public async Task A_pass_rate_clearly_below_the_bar_fails_and_names_failing_cases()
    {
        var error = await Assert.ThrowsAsync<EvaluationAssertionException>(() =>
            Evaluate.That(FailingOn(Enumerable.Range(1, 20).ToArray())).On(RunnerTests.Squares(40)).PassRateAtLeast(0.9));
        Assert.Equal(EvaluationOutcome.Failed, error.Outcome);
        Assert.Contains("below 0.9", error.Message, StringComparison.Ordinal);
        Assert.Contains("Failing cases include c1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_few_cases_to_tell_is_inconclusive_not_a_pass()
    {
        var error = await Assert.ThrowsAsync<EvaluationAssertionException>(() =>
            Evaluate.That(FailingOn()).On(RunnerTests.Squares(10)).Repeat(3).PassRateAtLeast(0.9));
        Assert.Equal(EvaluationOutcome.Inconclusive, error.Outcome);
        Assert.StartsWith("Inconclusive — run more", error.Message, StringComparison.Ordinal);
        Assert.Contains("worth 10 independent trials", error.Message, StringComparison.Ordinal); // 10 cases, all passing 3 times
    }

    [Fact]
    public async Task The_regression_gate_records_compares_and_flags()
    {
        string folder = Directory.CreateTempSubdirectory("llmkit-baseline-").FullName;
        string path = Path.Combine(folder, "squares.baseline.json");
        try
        {
            var dataset = RunnerTests.Squares(40);

            // No baseline yet: fail, and leave the run beside it to inspect.
            var missing = await Assert.ThrowsAsync<EvaluationAssertionException>(() => Evaluate.That(FailingOn()).On(dataset).NoWorseThan(path, margin: 0.05));
            Assert.Contains(EvaluationBaseline.UpdateEnvironmentVariable, missing.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.ChangeExtension(path, ".received.json")));

            var baselineRun = await Evaluate.That(FailingOn(3)).On(dataset).RunAsync();
            Assert.True(baselineRun.NoWorseThan(path, 0.05, updateBaseline: true).BaselineWritten);
            Assert.Equal(EvaluationBaseline.FormatName, EvaluationBaseline.Load(path).Format);

            var same = await Evaluate.That(FailingOn(3)).On(dataset).NoWorseThan(path, margin: 0.1);
            Assert.Equal(EvaluationOutcome.Passed, same.Outcome);

            var worse = await Assert.ThrowsAsync<EvaluationAssertionException>(() =>
                Evaluate.That(FailingOn(Enumerable.Range(1, 16).ToArray())).On(dataset).NoWorseThan(path, margin: 0.05));
            Assert.Equal(EvaluationOutcome.Failed, worse.Outcome);
            Assert.Contains("regression", worse.Message, StringComparison.Ordinal);

            // A changed case is not paired with its old self.
            var changed = EvaluationDataset<int, int>.Create("squares", dataset.Cases.Select(c => c.Id == "c1" ? c with { Input = 100, Expected = 10_000 } : c));
            var verdict = (await Evaluate.That(FailingOn(3)).On(changed).RunAsync()).NoWorseThan(path, 0.1);
            Assert.Contains("c1 (changed since the baseline)", verdict.Comparison!.UnpairedCases);
            Assert.Equal(39, verdict.Comparison.PairedCases.Count);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Reports_summarise_for_a_pull_request_and_render_self_contained_html()
    {
        var dataset = EvaluationDataset<string, string>.Create("xss", [new EvaluationCase<string, string> { Id = "<script>alert(1)</script>", Input = "a", Expected = "b", Tags = ["t&1"] }]);
        var run = await Evaluate.That<string, string>((x, _) => Task.FromResult(x)).On(dataset).Repeat(2).RunAsync();
        var report = new EvaluationReport(run).WithVerdicts(run.PassRateAtLeast(0.5));

        string markdown = report.ToMarkdown();
        Assert.Contains("| pass rate | 0 |", markdown, StringComparison.Ordinal);
        Assert.Contains("**Inconclusive** — Inconclusive — run more", markdown, StringComparison.Ordinal);

        string html = report.ToHtml();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<svg id=\"pass-rate-by-tag\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
