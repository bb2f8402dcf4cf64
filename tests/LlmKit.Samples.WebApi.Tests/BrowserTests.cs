using System.Diagnostics;
using Xunit.Abstractions;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary>The page served by the sample, in headless Chromium, against the running sample.</summary>
[Collection(SampleServerCollection.Name)]
public sealed class BrowserTests(SampleServerFixture fixture, ITestOutputHelper output)
{
    private readonly SampleServer _server = fixture.Server;

    private sealed record Rendered(string Event, string? Tool, string? StopReason, string Text);

    private const string EventsScript =
        "[...document.querySelectorAll('#events li')].map(li => ({ event: li.dataset.event, tool: li.dataset.tool ?? null, stopReason: li.dataset.stopReason ?? null, text: li.textContent }))";

    [BrowserFact]
    public async Task Page_renders_tool_calls_then_streamed_text_as_it_arrives_then_the_completed_event()
    {
        var clock = Stopwatch.StartNew();
        await using var browser = await Chromium.LaunchAsync();
        await browser.NavigateAsync(_server.BaseAddress);
        await browser.TypeAsync("#message", "Where is my order A-2077?");
        await browser.ClickAsync("#send");

        // Rendered while streaming: text is on the page before the loop has completed.
        await browser.WaitForAsync("document.querySelector('#events li[data-event=\"text-delta\"]') && !document.querySelector('#events li[data-event=\"completed\"]')", TimeSpan.FromSeconds(10));
        await browser.WaitForAsync("document.querySelector('#status').dataset.state === 'done'", TimeSpan.FromSeconds(15));

        var events = await browser.EvaluateAsync<Rendered[]>(EventsScript);
        var names = events.Select(e => e.Event).ToList();
        Assert.Equal(["tool-call-started", "tool-call-started"], names.Take(2));
        Assert.Equal(["get_order_status", "search_help_center"], events.Take(2).Select(e => e.Tool));
        Assert.Equal(2, names.Count(n => n == "tool-call-finished"));
        int lastToolFinished = names.LastIndexOf("tool-call-finished");
        int firstText = names.IndexOf("text-delta");
        Assert.True(lastToolFinished < firstText, $"tool results come before the answer: {string.Join(", ", names)}");
        Assert.True(names.Count(n => n == "text-delta") > 10, "the answer arrives in many chunks");
        Assert.Equal("completed", names[^1]);
        Assert.Equal("FinalAnswer", events[^1].StopReason);

        string answer = (await browser.EvaluateAsync("document.querySelector('#answer').textContent")).GetString()!;
        Assert.StartsWith("[offline demo model]", answer);
        Assert.Contains("Order A-2077 is", answer); // the get_order_status result reached the model and the page
        output.WriteLine($"browser chat test: {clock.ElapsedMilliseconds} ms, {names.Count} events rendered");
    }

    [BrowserFact]
    public async Task Stop_aborts_the_stream_and_the_server_cancels_the_model_call()
    {
        var clock = Stopwatch.StartNew();
        var before = await _server.StatsAsync();
        await using var browser = await Chromium.LaunchAsync();
        await browser.NavigateAsync(_server.BaseAddress);
        await browser.ClickAsync("#send");
        await browser.WaitForAsync("document.querySelectorAll('#events li[data-event=\"text-delta\"]').length >= 3", TimeSpan.FromSeconds(10));
        await browser.ClickAsync("#stop");
        await browser.WaitForAsync("document.querySelector('#status').dataset.state === 'stopped'", TimeSpan.FromSeconds(5));

        // The server saw the connection close: the loop stopped as Cancelled and the demo model's stream was cancelled.
        var after = await WaitForStatsAsync(s => s.Cancelled > before.Cancelled, TimeSpan.FromSeconds(10));
        Assert.Equal(before.Cancelled + 1, after.Cancelled);
        Assert.Equal(before.Completed, after.Completed);
        Assert.True(after.ModelStreamsCancelled > before.ModelStreamsCancelled, "the model call itself was cancelled");
        // Which side notices first is a race: the loop reports its Cancelled stop, or the SSE writer stops reading
        // before that report arrives ("Abandoned"). Either way the stream counts as cancelled, never completed.
        Assert.Contains(after.LastStopReason, new[] { "Cancelled", "Abandoned" });

        var names = await browser.EvaluateAsync<Rendered[]>(EventsScript);
        Assert.DoesNotContain(names, e => e.Event == "completed");
        output.WriteLine($"browser stop test: {clock.ElapsedMilliseconds} ms");
    }

    private async Task<ChatStats> WaitForStatsAsync(Func<ChatStats, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var stats = await _server.StatsAsync();
            if (condition(stats) || clock.Elapsed > timeout)
            {
                return stats;
            }

            await Task.Delay(50);
        }
    }
}
