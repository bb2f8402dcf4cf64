using System.Diagnostics;

namespace LlmKit.Samples.Batch.Tests;

/// <summary>The built sample as a user runs it: command-line switches, redirected output, exit codes.</summary>
public sealed class ProgramTests
{
    [Fact]
    public async Task The_app_classifies_a_folder_given_as_argument_prints_plain_progress_when_redirected_and_resumes()
    {
        using var folder = new BatchFolder(take: 8, includeUnreadable: false);
        string[] args = [folder.Input, "--output", folder.Output, "--concurrency", "3", "--DemoModel:Latency", "00:00:00.005"];

        var (exitCode, output) = await RunAsync(args);

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain('\r', output); // redirected: plain lines for CI logs, no redraws
        Assert.Contains("8/8 100%", output, StringComparison.Ordinal);
        Assert.Contains("8 classified, 0 failed, 0 already done (of 8)", output, StringComparison.Ordinal);
        Assert.Contains("concurrency 3", output, StringComparison.Ordinal);
        Assert.Equal(8, File.ReadAllLines(folder.ResultsPath).Length);

        (exitCode, output) = await RunAsync(args);

        Assert.True(exitCode == 0, output);
        Assert.Contains("0 classified, 0 failed, 8 already done (of 8)", output, StringComparison.Ordinal);
        Assert.Equal(8, File.ReadAllLines(folder.ProgressPath).Length);
    }

    [Fact]
    public async Task Invalid_settings_end_the_app_with_a_clear_message_and_exit_code_64()
    {
        using var folder = new BatchFolder(take: 1);

        var (exitCode, output) = await RunAsync([folder.Input, "--output", folder.Output, "--concurrency", "0"]);

        Assert.Equal(64, exitCode);
        Assert.Contains("Batch:MaxConcurrency must be between 1 and 256, but was 0.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_batch_api_mode_submits_every_document_as_one_batch_and_prices_it_at_the_batch_discount()
    {
        using var folder = new BatchFolder(take: 8, includeUnreadable: false);
        string[] demo = ["--DemoModel:Latency", "00:00:00.001", "--DemoModel:InvalidFirstAnswerEvery", "0", "--DemoModel:RateLimitEvery", "0"];

        var (exitCode, output) = await RunAsync([folder.Input, "--output", folder.Output, "--batch-api", .. demo]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Submitted 8 documents as batch batch_demo_1", output, StringComparison.Ordinal);
        Assert.Contains("8 classified, 0 to redo synchronously (of 8)", output, StringComparison.Ordinal);
        decimal batchCost = Dollars(output, @"\$(\d+\.\d+) at the batch price");

        // The same documents answered one call at a time: the demo model's answers are the same, the price is not.
        (exitCode, output) = await RunAsync([folder.Input, "--output", Path.Combine(folder.Output, "sync"), .. demo]);
        Assert.True(exitCode == 0, output);
        decimal syncCost = Dollars(output, @"tokens, \$(\d+\.\d+) \(usage ledger");

        Assert.True(batchCost > 0 && batchCost <= syncCost * 0.55m, $"batch ${batchCost} vs synchronous ${syncCost}");
    }

    [Fact]
    public async Task In_batch_api_mode_an_answer_that_fails_the_schema_is_reported_for_a_synchronous_run_and_the_exit_code_says_so()
    {
        using var folder = new BatchFolder(take: 12, includeUnreadable: false);

        var (exitCode, output) = await RunAsync([folder.Input, "--output", folder.Output, "--batch-api", "--DemoModel:InvalidFirstAnswerEvery", "1"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("0 classified, 12 to redo synchronously (of 12)", output, StringComparison.Ordinal);
        Assert.Contains("redo: ", output, StringComparison.Ordinal);
        Assert.Contains("the answer does not match the schema", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cascade_mode_escalates_only_the_answers_that_fail_the_schema_and_costs_less_than_the_strong_model_alone()
    {
        using var folder = new BatchFolder(includeUnreadable: false);

        var (exitCode, output) = await RunAsync([folder.Input, "--output", folder.Output, "--cascade", "--DemoModel:Latency", "00:00:00.001"]);

        Assert.True(exitCode == 0, output);
        var answered = System.Text.RegularExpressions.Regex.Match(output, @"Cascade: (\d+) classified \((\d+) by classifier, (\d+) by classifier-strong\), 0 failed \(of \1\)");
        Assert.True(answered.Success, output);
        // The demo answers one document in six wrongly at first: those, and only those, reach the strong tier.
        int total = int.Parse(answered.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int escalated = int.Parse(answered.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(escalated, 1, total / 3);
        decimal cost = Dollars(output, @"cost \$(\d+\.\d+)");
        decimal strongOnly = Dollars(output, @"strong model alone ≈ \$(\d+\.\d+)");
        Assert.True(cost > 0 && cost < strongOnly, output);
    }

    private static decimal Dollars(string output, string pattern)
    {
        var match = System.Text.RegularExpressions.Regex.Match(output, pattern);
        Assert.True(match.Success, output);
        return decimal.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] args)
    {
        using var process = BatchApp.Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>The built sample, started as a user starts it (<c>dotnet BatchPipeline.dll …</c>) with its output redirected.</summary>
internal static class BatchApp
{
    public static Process Start(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BatchPipeline.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The offline demo model, whatever the machine running the tests has configured.
        foreach (string variable in new[] { "OPENAI_API_KEY", "ANTHROPIC_API_KEY" })
        {
            start.Environment.Remove(variable);
        }

        return Process.Start(start)!;
    }
}
