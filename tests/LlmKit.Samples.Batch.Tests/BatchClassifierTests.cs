using System.Text.Json;
using BatchPipeline;

namespace LlmKit.Samples.Batch.Tests;

public sealed class BatchClassifierTests
{
    /// <summary>No simulated 429s or wrong answers: one model call per document, so calls can be counted exactly.</summary>
    private static readonly Dictionary<string, string?> Quiet = new()
    {
        ["DemoModel:RateLimitEvery"] = "0",
        ["DemoModel:InvalidFirstAnswerEvery"] = "0",
    };

    private static Dictionary<string, string?> With(params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?>(Quiet);
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    [Fact]
    public async Task Every_document_is_recorded_exactly_once_and_the_results_agree_with_the_progress_file()
    {
        // The demo's default noise stays on: wrong first answers and 429s must not lead to double records.
        using var folder = new BatchFolder();
        var (summary, _) = await folder.RunAsync();

        Assert.Equal(BatchStopReason.Completed, summary.StopReason);
        Assert.Equal(30, summary.Total);
        Assert.Equal(29, summary.Classified);
        Assert.Equal(1, summary.Failed);
        Assert.True(summary.ValidationRetries > 0, "the demo's invalid first answers should have been retried");
        Assert.True(summary.Usage.TransportRetries > 0, "the demo's 429s should have been retried by the resilience stage");

        var progress = folder.ReadProgress();
        Assert.Equal(folder.Documents, progress.Select(e => e.Document).Order(StringComparer.Ordinal));
        var failure = Assert.Single(progress, e => e.Status == DocumentStatus.Failed);
        Assert.Equal(BatchFolder.Unreadable, failure.Document);
        Assert.Contains("summary", failure.Error, StringComparison.Ordinal);

        var results = folder.ReadResults();
        Assert.Equal(summary.ResultCount, results.Count);
        var done = progress.Where(e => e.Status == DocumentStatus.Done).ToDictionary(e => e.Document);
        Assert.Equal(done.Keys.Order(StringComparer.Ordinal), results.Select(r => r.GetProperty("document").GetString()!));
        foreach (var result in results)
        {
            var entry = done[result.GetProperty("document").GetString()!];
            Assert.Equal(entry.Sha256, result.GetProperty("sha256").GetString());
            Assert.Equal(entry.Result!.Category.ToString(), result.GetProperty("category").GetString());
            Assert.Equal(entry.Result.Priority, result.GetProperty("priority").GetInt32());
            Assert.Equal(entry.Result.Summary, result.GetProperty("summary").GetString());
        }
    }

    [Fact]
    public async Task A_second_run_calls_the_model_only_for_failed_documents_and_not_at_all_when_told_to_skip_them()
    {
        using var folder = new BatchFolder(take: 30);
        await folder.RunAsync(Quiet);

        var (retrying, retryProbe) = await folder.RunAsync(Quiet);
        Assert.Equal(29, retrying.AlreadyDone);
        Assert.Equal([BatchFolder.Unreadable], retryProbe.CallsPerDocument.Keys);

        var (skipping, skipProbe) = await folder.RunAsync(With(("Batch:RetryFailed", "false")));
        Assert.Equal(30, skipping.AlreadyDone);
        Assert.Empty(skipProbe.Calls);
        Assert.Equal(BatchFolder.Unreadable, Assert.Single(skipping.Failures).Document);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task The_model_never_sees_more_calls_at_once_than_the_configured_concurrency(int concurrency)
    {
        using var folder = new BatchFolder(take: 16, includeUnreadable: false);
        var (summary, probe) = await folder.RunAsync(With(
            ("Batch:MaxConcurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("DemoModel:Latency", "00:00:00.040")));

        Assert.Equal(16, summary.Classified);
        // Equal, not just at most: with 16 documents of 20-60 ms each, the bound is reached, so the test would see a leak.
        Assert.Equal(concurrency, probe.MaxInFlight);
    }

    [Fact]
    public async Task A_cancelled_run_keeps_what_it_finished_and_the_next_run_does_only_the_rest()
    {
        using var folder = new BatchFolder(includeUnreadable: false);
        using var cts = new CancellationTokenSource();
        var cancelAfterTen = new SynchronousProgress(p =>
        {
            if (p.Classified >= 10)
            {
                cts.Cancel();
            }
        });

        var (first, firstProbe) = await folder.RunAsync(With(("Batch:MaxConcurrency", "4")), cancelAfterTen, cts.Token);

        Assert.Equal(BatchStopReason.Cancelled, first.StopReason);
        Assert.InRange(first.Classified, 10, 28);
        var recorded = folder.ReadProgress().Select(e => e.Document).ToHashSet();
        Assert.Equal(first.Classified, recorded.Count);
        Assert.True(firstProbe.Calls.Count >= recorded.Count);

        var (second, secondProbe) = await folder.RunAsync(Quiet);

        Assert.Equal(BatchStopReason.Completed, second.StopReason);
        Assert.Equal(recorded.Count, second.AlreadyDone);
        Assert.Empty(secondProbe.CallsPerDocument.Keys.Intersect(recorded));
        Assert.All(secondProbe.CallsPerDocument.Values, calls => Assert.Equal(1, calls));
        AssertEachDocumentDoneOnce(folder);
    }

    [Fact]
    public async Task A_run_out_of_budget_stops_cleanly_without_overspending_and_the_next_run_finishes()
    {
        using var folder = new BatchFolder(includeUnreadable: false);
        const decimal budget = 0.012m;

        var (first, firstProbe) = await folder.RunAsync(With(
            ("Batch:RunBudgetUsd", budget.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Batch:MaxConcurrency", "8")));

        Assert.Equal(BatchStopReason.BudgetExhausted, first.StopReason);
        Assert.InRange(first.Classified, 1, 28);
        Assert.True(first.NotStarted > 0);
        Assert.True(first.Usage.Cost <= budget, $"spent {first.Usage.Cost} of a {budget} budget");
        // Eight calls in flight hold eight worst cases (about $0.0028 each, real cost about $0.001): stopping at the
        // first refusal would leave most of the budget unused; waiting for them to settle spends all but one worst case.
        Assert.True(first.Usage.Cost > budget / 2, $"spent only {first.Usage.Cost} of a {budget} budget");
        Assert.True(first.Usage.RejectedByBudget > 0);
        var recorded = folder.ReadProgress().Select(e => e.Document).ToHashSet();
        Assert.Equal(first.Classified, recorded.Count);
        Assert.Equal(firstProbe.Calls.Count, recorded.Count); // the budget refused calls before they reached the model

        var (second, secondProbe) = await folder.RunAsync(Quiet);

        Assert.Equal(BatchStopReason.Completed, second.StopReason);
        Assert.Empty(secondProbe.CallsPerDocument.Keys.Intersect(recorded));
        Assert.Equal(29 - recorded.Count, secondProbe.Calls.Count);
        AssertEachDocumentDoneOnce(folder);
    }

    [Fact]
    public async Task A_document_whose_content_changed_is_classified_again()
    {
        using var folder = new BatchFolder(take: 10);
        await folder.RunAsync(Quiet);
        string changed = "0003-dark-mode.txt";
        await File.WriteAllTextAsync(Path.Combine(folder.Input, changed),
            "Subject: Export crashes with an error\n\nThe app crashes with an error every time I export. Please fix this bug.\n");

        var (second, probe) = await folder.RunAsync(Quiet);

        Assert.Equal(1, second.Classified);
        Assert.Equal([changed], probe.CallsPerDocument.Keys);
        var entries = folder.ReadProgress().Where(e => e.Document == changed).ToList();
        Assert.Equal(2, entries.Count);
        Assert.NotEqual(entries[0].Sha256, entries[1].Sha256);
        var result = folder.ReadResults().Single(r => r.GetProperty("document").GetString() == changed);
        Assert.Equal(nameof(TicketCategory.Bug), result.GetProperty("category").GetString());
        Assert.Equal(entries[1].Sha256, result.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task A_torn_last_line_of_the_progress_file_is_dropped_and_only_that_document_is_redone()
    {
        using var folder = new BatchFolder(take: 6, includeUnreadable: false);
        await folder.RunAsync(Quiet);
        var lines = File.ReadAllLines(folder.ProgressPath);
        string torn = JsonSerializer.Deserialize<ProgressEntry>(lines[^1], new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Document;
        // What a crash in the middle of the last write leaves: half a line, no newline.
        await File.WriteAllTextAsync(folder.ProgressPath, string.Join("\n", lines[..^1]) + "\n" + lines[^1][..(lines[^1].Length / 2)]);

        var (second, probe) = await folder.RunAsync(Quiet);

        Assert.True(second.TornLineDropped);
        Assert.Equal([torn], probe.CallsPerDocument.Keys);
        Assert.Equal(6, folder.ReadProgress().Count); // every line parses again, one per document
        AssertEachDocumentDoneOnce(folder);
    }

    [Fact]
    public async Task Rate_limited_calls_are_retried_no_sooner_than_Retry_After()
    {
        using var folder = new BatchFolder(take: 6, includeUnreadable: false);
        var (summary, probe) = await folder.RunAsync(With(
            ("Batch:MaxConcurrency", "1"),
            ("DemoModel:RateLimitEvery", "3"),
            ("DemoModel:RetryAfter", "00:00:00.200")));

        Assert.Equal(6, summary.Classified);
        var calls = probe.Calls.ToList();
        var limited = calls.Where(c => c.Failed).ToList();
        Assert.NotEmpty(limited);
        foreach (var call in limited)
        {
            var retry = calls.First(c => c.Document == call.Document && c.Started >= call.Ended);
            Assert.True(retry.Started - call.Ended >= TimeSpan.FromMilliseconds(190), $"retried after {(retry.Started - call.Ended).TotalMilliseconds} ms");
        }
    }

    [Theory]
    [InlineData("Batch:MaxConcurrency", "0", "MaxConcurrency")]
    [InlineData("Batch:RunBudgetUsd", "-1", "RunBudgetUsd")]
    [InlineData("Batch:InputFolder", "/no/such/folder", "InputFolder")]
    public async Task Invalid_settings_stop_the_app_before_any_document_is_read(string key, string value, string named)
    {
        using var folder = new BatchFolder(take: 2);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => folder.RunAsync(With((key, value))));
        var validation = ex as Microsoft.Extensions.Options.OptionsValidationException
            ?? Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(((AggregateException)ex).InnerExceptions[0]);
        Assert.Contains(validation.Failures, f => f.Contains(named, StringComparison.Ordinal));
        Assert.False(File.Exists(folder.ProgressPath));
    }

    internal static void AssertEachDocumentDoneOnce(BatchFolder folder)
    {
        var done = folder.ReadProgress().Where(e => e.Status == DocumentStatus.Done).GroupBy(e => e.Document).ToList();
        Assert.All(done, g => Assert.Single(g));
        Assert.Equal(folder.Documents.Where(d => d != BatchFolder.Unreadable), done.Select(g => g.Key).Order(StringComparer.Ordinal));
        Assert.Equal(done.Count, folder.ReadResults().Count);
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; a test that cancels on a count needs the report at once.</summary>
    internal sealed class SynchronousProgress(Action<BatchProgress> report) : IProgress<BatchProgress>
    {
        public void Report(BatchProgress value) => report(value);
    }
}
