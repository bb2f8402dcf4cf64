using System.Globalization;
using BatchPipeline;
using LlmKit.Tests.Servers;

namespace LlmKit.Samples.Batch.Tests;

/// <summary>The job mode (<c>--jobs</c>): documents as jobs on LlmKit's job queue, in memory or in PostgreSQL.</summary>
public sealed class JobModeTests
{
    private static Dictionary<string, string?> Jobs(params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?>
        {
            [BatchJobsServiceCollectionExtensions.UseJobQueueKey] = "true",
            ["DemoModel:RateLimitEvery"] = "0",
            ["DemoModel:InvalidFirstAnswerEvery"] = "0",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    [Fact]
    public async Task In_job_mode_every_document_is_classified_once_by_the_job_worker_within_the_concurrency_bound()
    {
        using var folder = new BatchFolder(take: 16, includeUnreadable: false);
        var (summary, probe) = await folder.RunAsync(Jobs(("Batch:MaxConcurrency", "3"), ("DemoModel:Latency", "00:00:00.040")));

        Assert.Equal((BatchStopReason.Completed, 16, 0), (summary.StopReason, summary.Classified, summary.NotStarted));
        Assert.Equal(3, probe.MaxInFlight);
        Assert.All(probe.CallsPerDocument.Values, calls => Assert.Equal(1, calls));
        BatchClassifierTests.AssertEachDocumentDoneOnce(folder);

        var (again, againProbe) = await folder.RunAsync(Jobs());
        Assert.Equal(16, again.AlreadyDone);
        Assert.Empty(againProbe.Calls);
    }

    [Fact]
    public async Task A_cancelled_job_mode_run_keeps_what_it_finished_and_the_next_run_does_only_the_rest()
    {
        using var folder = new BatchFolder(includeUnreadable: false);
        using var cts = new CancellationTokenSource();
        var cancelAfterTen = new BatchClassifierTests.SynchronousProgress(p =>
        {
            if (p.Classified >= 10)
            {
                cts.Cancel();
            }
        });

        var (first, _) = await folder.RunAsync(Jobs(("Batch:MaxConcurrency", "4")), cancelAfterTen, cts.Token);

        Assert.Equal(BatchStopReason.Cancelled, first.StopReason);
        var recorded = folder.ReadProgress().Select(e => e.Document).ToHashSet();
        Assert.Equal(first.Classified, recorded.Count);
        Assert.InRange(recorded.Count, 10, 28);

        var (second, secondProbe) = await folder.RunAsync(Jobs());

        Assert.Equal(BatchStopReason.Completed, second.StopReason);
        Assert.Equal(recorded.Count, second.AlreadyDone);
        Assert.Empty(secondProbe.CallsPerDocument.Keys.Intersect(recorded));
        BatchClassifierTests.AssertEachDocumentDoneOnce(folder);
    }

    [Fact]
    public async Task A_job_mode_run_out_of_budget_stops_with_the_queue_drained_and_the_next_run_finishes()
    {
        using var folder = new BatchFolder(includeUnreadable: false);
        const decimal budget = 0.012m;

        var (first, firstProbe) = await folder.RunAsync(Jobs(("Batch:RunBudgetUsd", budget.ToString(CultureInfo.InvariantCulture))));

        Assert.Equal(BatchStopReason.BudgetExhausted, first.StopReason);
        Assert.True(first.NotStarted > 0);
        Assert.True(first.Usage.Cost <= budget, $"spent {first.Usage.Cost} of a {budget} budget");
        var recorded = folder.ReadProgress().Select(e => e.Document).ToHashSet();
        Assert.Equal(firstProbe.Calls.Count, recorded.Count); // the jobs left after the budget ran out never reached the model

        var (second, secondProbe) = await folder.RunAsync(Jobs());

        Assert.Equal(BatchStopReason.Completed, second.StopReason);
        Assert.Equal(29 - recorded.Count, secondProbe.Calls.Count);
        BatchClassifierTests.AssertEachDocumentDoneOnce(folder);
    }

    [PostgresFact]
    public async Task On_PostgreSQL_a_killed_job_mode_run_loses_only_the_documents_in_flight_and_its_left_jobs_never_run_again()
    {
        await using var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("batch");
        using var folder = new BatchFolder(includeUnreadable: false);
        string[] args =
        [
            folder.Input, "--output", folder.Output, "--jobs", "--concurrency", "4",
            "--LlmKit:PostgreSql:ConnectionString", database.ConnectionString,
            "--DemoModel:Latency", "00:00:00.150", "--DemoModel:RateLimitEvery", "0", "--DemoModel:InvalidFirstAnswerEvery", "0",
        ];

        // The first run is killed (as a crash or an OOM kill would) once a few documents are recorded.
        using (var killed = BatchApp.Start(args))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!(File.Exists(folder.ProgressPath) && File.ReadAllLines(folder.ProgressPath).Length >= 5))
            {
                Assert.True(DateTime.UtcNow < deadline && !killed.HasExited, "the first run recorded nothing in time");
                await Task.Delay(20);
            }

            killed.Kill(entireProcessTree: true);
            await killed.WaitForExitAsync();
        }

        int recordedByKilled = folder.ReadProgress().Count;
        Assert.True(await CountAsync(database, "SELECT count(*) FROM llmkit.jobs WHERE state IN (0, 1)") > 0, "the killed run left no job behind");

        using var second = BatchApp.Start(args);
        string output = await second.StandardOutput.ReadToEndAsync() + await second.StandardError.ReadToEndAsync();
        await second.WaitForExitAsync();

        Assert.True(second.ExitCode == 0, output);
        Assert.Contains("as jobs on PostgresJobQueue", output, StringComparison.Ordinal);
        Assert.Contains($"already done (of 29)", output, StringComparison.Ordinal);
        BatchClassifierTests.AssertEachDocumentDoneOnce(folder);
        // The ledger (in PostgreSQL) counts the model calls of both runs: every document once, plus at most the four
        // that were in flight when the first run died. Its queued jobs were drained, not run again.
        long calls = await CountAsync(database, "SELECT count(*) FROM llmkit.usage_entries WHERE error_kind IS NULL");
        Assert.InRange(calls, 29, 29 + 4);
        Assert.Equal(0, await CountAsync(database, "SELECT count(*) FROM llmkit.jobs WHERE state = 0"));
        Assert.True(recordedByKilled < 29);
    }

    private static async Task<long> CountAsync(global::LlmKit.Tests.Servers.PostgresDatabase database, string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
