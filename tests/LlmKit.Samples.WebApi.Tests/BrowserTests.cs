using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary>The page served by the sample, in headless Chromium driven by Playwright, against the running sample.</summary>
[Collection(SampleServerCollection.Name)]
public sealed class BrowserTests(SampleServerFixture fixture, ITestOutputHelper output)
{
    private readonly SampleServer _server = fixture.Server;

    private sealed record Rendered(string Event, string? Tool, string? StopReason, string Text, string StatusWhenAdded);

    // Records every event item as the page adds it, with the status line's state at that moment: what was on screen
    // while the stream was still running is then a fact to read afterwards, not a race to catch.
    private const string RecordRenderingScript = """
        window.__rendered = [];
        new MutationObserver(records => {
          for (const record of records) for (const li of record.addedNodes) window.__rendered.push({
            event: li.dataset.event, tool: li.dataset.tool ?? null, stopReason: li.dataset.stopReason ?? null,
            text: li.textContent, statusWhenAdded: document.querySelector('#status').dataset.state ?? '' });
        }).observe(document.querySelector('#events'), { childList: true });
        """;

    [BrowserFact]
    public async Task Page_renders_tool_calls_then_streamed_text_as_it_arrives_then_the_completed_event()
    {
        var clock = Stopwatch.StartNew();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.OpenAsync(_server.BaseAddress);
        await page.EvaluateAsync(RecordRenderingScript);

        await page.Locator("#message").FillAsync("Where is my order A-2077?");
        await page.Locator("#send").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 15_000 });

        var events = (await page.EvaluateAsync<JsonElement>("window.__rendered")).Deserialize<Rendered[]>(SampleServer.Json)!;
        var names = events.Select(e => e.Event).ToList();
        Assert.Equal(["tool-call-started", "tool-call-started"], names.Take(2));
        Assert.Equal(["get_order_status", "search_help_center"], events.Take(2).Select(e => e.Tool));
        Assert.Equal(2, names.Count(n => n == "tool-call-finished"));
        Assert.True(names.LastIndexOf("tool-call-finished") < names.IndexOf("text-delta"), $"tool results come before the answer: {string.Join(", ", names)}");
        Assert.True(names.Count(n => n == "text-delta") > 10, "the answer arrives in many chunks");
        // Rendered as it arrived: every chunk was on the page while the stream was still open.
        Assert.All(events.Where(e => e.Event == "text-delta"), e => Assert.Equal("streaming", e.StatusWhenAdded));
        Assert.Equal("completed", names[^1]);
        Assert.Equal("FinalAnswer", events[^1].StopReason);

        var answer = page.Locator("#answer");
        await Expect(answer).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\[offline demo model\]"));
        await Expect(answer).ToContainTextAsync("Order A-2077 is"); // the get_order_status result reached the model and the page
        output.WriteLine($"browser chat test: {clock.ElapsedMilliseconds} ms, {names.Count} events rendered");
    }

    [BrowserFact]
    public async Task Stop_aborts_the_stream_and_the_server_cancels_the_loop_and_the_model_call()
    {
        var clock = Stopwatch.StartNew();
        var before = await _server.StatsAsync();
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.OpenAsync(_server.BaseAddress);

        await page.Locator("#send").ClickAsync();
        await Expect(page.Locator("#events li[data-event='text-delta']").Nth(2)).ToBeAttachedAsync(new() { Timeout = 10_000 });
        await page.Locator("#stop").ClickAsync();
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "stopped");
        await Expect(page.Locator("#stop")).ToBeDisabledAsync();

        // The server saw the connection close: the loop stopped as Cancelled (the outcome is the loop's own, whichever
        // side noticed first) and the demo model's stream was cancelled, never completed.
        var after = await _server.WaitForStatsAsync(s => s.Cancelled > before.Cancelled, TimeSpan.FromSeconds(10));
        Assert.Equal((before.Cancelled + 1, before.Completed, "Cancelled"), (after.Cancelled, after.Completed, after.LastStopReason));
        Assert.True(after.ModelStreamsCancelled > before.ModelStreamsCancelled, "the model call itself was cancelled");
        await Expect(page.Locator("#events li[data-event='completed']")).ToHaveCountAsync(0);
        output.WriteLine($"browser stop test: {clock.ElapsedMilliseconds} ms");
    }
}

/// <summary>The page against failures, each on its own server so an open circuit cannot disturb the other tests.</summary>
public sealed class BrowserFailureTests
{
    [BrowserFact]
    public async Task Page_shows_the_real_status_of_a_failed_first_turn_not_an_empty_500()
    {
        // The page asks for text/event-stream; the problem must still come back as JSON with its status (issue 22).
        await using var server = await SampleServer.StartAsync("LlmKit:Resilience:assistant:Retry:MaxRetryAttempts=0");
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var page = await chromium.OpenAsync(server.BaseAddress);

        await page.Locator("#message").FillAsync("[outage] where is my parcel?");
        await page.Locator("#send").ClickAsync();

        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "failed", new() { Timeout = 10_000 });
        await Expect(page.Locator("#status")).ToHaveTextAsync("503 The model is unavailable");
        await Expect(page.Locator("#events li[data-event='error']")).ToHaveTextAsync("error: The model is unavailable (Overloaded)");
        await Expect(page.Locator("#send")).ToBeEnabledAsync();
    }
}
