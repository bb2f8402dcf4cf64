using LlmKit.Errors;
using LlmKit.Resilience.Fallback;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.Resilience;

public sealed class StreamingTests
{
    [Fact]
    public async Task A_stream_that_fails_before_its_first_chunk_is_retried_transparently()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("stream-retry").Enqueue(
            ScriptedTurn.FromError(LlmErrorKind.Overloaded),
            ScriptedTurn.FromText("Hello brave new world").FailingAfter(0),
            ScriptedTurn.FromText("Hello brave new world"));

        var updates = await kit.DriveAsync(kit.Client("stream-retry").GetStreamingResponseAsync("hi").ToListAsync().AsTask());

        Assert.Equal("Hello brave new world", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(3, model.Requests.Count);
        Assert.All(model.Requests, r => Assert.True(r.IsStreaming));
    }

    [Fact]
    public async Task A_failure_after_the_first_chunk_surfaces_as_an_error_and_never_duplicates_text()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("mid-stream", o => o.Fallback.DegradedResponseText = "busy").Enqueue(
            ScriptedTurn.FromText("Hello brave new world").FailingAfter(2),
            ScriptedTurn.FromText("Hello brave new world"));
        var received = new List<string>();

        var error = await Assert.ThrowsAsync<LlmException>(async () =>
        {
            await foreach (var update in kit.Client("mid-stream").GetStreamingResponseAsync("hi"))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal(LlmErrorKind.Network, error.Kind);
        Assert.Equal(["Hello ", "brave "], received);
        Assert.Single(model.Requests);
        Assert.Equal(1, model.RemainingTurns);
    }

    [Fact]
    public async Task A_stream_that_stalls_before_its_first_chunk_times_out_and_is_retried_but_a_slow_body_is_not_cut()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("stream-stall", o => o.Timeout.AttemptTimeout = TimeSpan.FromSeconds(20)).Enqueue(
            ScriptedTurn.FromText("never").After(TimeSpan.FromMinutes(5)),
            ScriptedTurn.FromText("one two three four").After(TimeSpan.FromSeconds(2)).WithChunkDelay(TimeSpan.FromSeconds(15)));

        var updates = await kit.DriveAsync(kit.Client("stream-stall").GetStreamingResponseAsync("hi").ToListAsync().AsTask(), TimeSpan.FromSeconds(1));

        // The body takes 4 × 15 s, past the 20 s attempt timeout: only the wait for the first chunk is bounded by it.
        Assert.Equal("one two three four", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(2, model.Requests.Count);
    }

    [Fact]
    public async Task A_stream_falls_back_to_another_client_before_the_first_chunk_and_marks_its_updates()
    {
        using var kit = new ResilienceTestKit();
        kit.AddClient("stream-main", o =>
        {
            o.Retry.MaxRetryAttempts = 0;
            o.Fallback.ClientNames.Add("stream-backup");
        }).Enqueue(ScriptedTurn.FromError(LlmErrorKind.ServerError));
        var backup = kit.AddClient("stream-backup").Enqueue(ScriptedTurn.FromText("from backup"));

        var updates = await kit.Client("stream-main").GetStreamingResponseAsync("hi").ToListAsync();

        Assert.Equal("from backup", string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal("client:stream-backup", u.AdditionalProperties?[LlmKit.Pipeline.LlmKitCallProperties.FallbackSource.Key]));
        Assert.True(Assert.Single(backup.Requests).IsStreaming);
    }

    [Fact]
    public async Task A_stream_degrades_to_the_fallback_message_when_everything_fails()
    {
        using var kit = new ResilienceTestKit();
        kit.AddClient("stream-degraded", o =>
        {
            o.Retry.MaxRetryAttempts = 0;
            o.Fallback.DegradedResponseText = "Busy, try again soon.";
        }).Enqueue(ScriptedTurn.FromError(LlmErrorKind.Overloaded));

        var response = await kit.Client("stream-degraded").GetStreamingResponseAsync("hi").ToListAsync();

        Assert.Equal("Busy, try again soon.", string.Concat(response.Select(u => u.Text)));
    }

    [Fact]
    public async Task A_stream_that_stalls_after_text_started_fails_with_a_Timeout_and_is_not_replayed()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("stream-idle", o => o.Timeout.StreamIdleTimeout = TimeSpan.FromSeconds(30)).Enqueue(
            ScriptedTurn.FromText("Hello brave new world").WithChunkDelay(TimeSpan.FromMinutes(10)),
            ScriptedTurn.FromText("unused"));
        var received = new List<string>();

        async Task ConsumeAsync()
        {
            await foreach (var update in kit.Client("stream-idle").GetStreamingResponseAsync("hi"))
            {
                received.Add(update.Text);
            }
        }

        var start = kit.Time.GetUtcNow();
        var call = ConsumeAsync();
        var error = await Assert.ThrowsAsync<LlmException>(() => kit.DriveAsync(call, TimeSpan.FromSeconds(1)));

        Assert.Equal(LlmErrorKind.Timeout, error.Kind);
        Assert.Contains("stalled", error.Message);
        Assert.Equal(["Hello "], received);
        Assert.Single(model.Requests);
        Assert.InRange(kit.Time.GetUtcNow() - start, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(40));
    }
}
