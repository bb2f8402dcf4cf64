using BatchPipeline;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Samples.Batch.Tests;

public sealed class ConsoleProgressBarTests
{
    private static readonly BatchProgress Halfway = new(
        Total: 30, AlreadyDone: 5, Classified: 9, Failed: 1, InFlight: 4, Elapsed: TimeSpan.FromSeconds(5),
        Usage: new RunUsageTotals(Calls: 12, InputTokens: 3_000, OutputTokens: 400, Cost: 0.0125m, TransportRetries: 1, RejectedByBudget: 0));

    [Fact]
    public void A_progress_line_shows_counts_rate_eta_tokens_and_cost()
    {
        string line = ConsoleProgressBar.Format(Halfway, withBar: true);

        Assert.StartsWith("[##########..........]", line, StringComparison.Ordinal);
        Assert.Contains("15/30 50%", line, StringComparison.Ordinal);
        Assert.Contains("9 classified, 1 failed, 5 already done, 4 in flight", line, StringComparison.Ordinal);
        Assert.Contains("2.0 docs/s", line, StringComparison.Ordinal); // 10 finished by this run in 5 s
        Assert.Contains("ETA 00:07", line, StringComparison.Ordinal);   // 15 left at 2/s
        Assert.Contains("3,400 tokens", line, StringComparison.Ordinal);
        Assert.Contains("$0.0125", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redrawn_line_is_cut_to_the_terminal_width_so_it_never_wraps()
    {
        var output = new StringWriter();
        await using (var bar = new ConsoleProgressBar(output, interactive: true, TimeSpan.FromSeconds(5), new FakeTimeProvider(), terminalWidth: 60))
        {
            bar.Report(Halfway);
        }

        Assert.Equal("\r" + ConsoleProgressBar.Format(Halfway, withBar: true)[..59] + Environment.NewLine, output.ToString());
    }

    [Fact]
    public async Task Redirected_output_gets_plain_lines_without_carriage_returns()
    {
        var output = new StringWriter();
        await using (var bar = new ConsoleProgressBar(output, interactive: false, TimeSpan.FromSeconds(5), new FakeTimeProvider()))
        {
            bar.Report(Halfway);
        }

        Assert.DoesNotContain('\r', output.ToString());
        Assert.Equal(ConsoleProgressBar.Format(Halfway, withBar: false) + Environment.NewLine, output.ToString());
    }

    [Fact]
    public async Task A_terminal_gets_one_line_redrawn_in_place()
    {
        var output = new StringWriter();
        await using (var bar = new ConsoleProgressBar(output, interactive: true, TimeSpan.FromSeconds(5), new FakeTimeProvider()))
        {
            bar.Report(Halfway);
        }

        Assert.Equal("\r" + ConsoleProgressBar.Format(Halfway, withBar: true) + Environment.NewLine, output.ToString());
    }
}
