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
