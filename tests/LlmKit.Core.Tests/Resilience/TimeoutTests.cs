using LlmKit.Errors;
using LlmKit.Pipeline;
using LlmKit.Resilience.Timeout;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.Resilience;

public sealed class TimeoutTests
{
    [Fact]
    public async Task An_attempt_that_stalls_past_the_attempt_timeout_is_cancelled_and_retried()
    {
        using var kit = new ResilienceTestKit();
        using var metrics = new ResilienceMetrics("stall");
        var model = kit.AddClient("stall", o => o.Timeout.AttemptTimeout = TimeSpan.FromSeconds(30)).Enqueue(
            ScriptedTurn.FromText("too late").After(TimeSpan.FromMinutes(10)),
            ScriptedTurn.FromText("on time").After(TimeSpan.FromSeconds(5)));

        var response = await kit.DriveAsync(kit.Client("stall").GetResponseAsync("hi"), TimeSpan.FromSeconds(1));

        Assert.Equal("on time", response.Text);
        Assert.Equal(2, model.Requests.Count);
        Assert.True(model.Requests[1].ReceivedAt - model.Requests[0].ReceivedAt >= TimeSpan.FromSeconds(30));
        Assert.Equal(1, metrics.Sum("llmkit.resilience.timeouts", "attempt"));
        Assert.Equal(1, metrics.Sum("llmkit.resilience.retries", "Timeout"));
    }

    [Fact]
    public async Task The_total_deadline_is_visible_to_inner_stages_and_ends_the_call_with_a_Timeout()
    {
        using var kit = new ResilienceTestKit();
        var seenDeadlines = new List<DateTimeOffset>();
        var start = kit.Time.GetUtcNow();
        var model = kit.AddClient("deadline", o =>
        {
            o.Timeout.AttemptTimeout = TimeSpan.FromSeconds(40);
            o.Timeout.TotalTimeout = TimeSpan.FromSeconds(90);
            o.CircuitBreaker.Enabled = false;
        });
        model.RespondToEveryRequest(_ => ScriptedTurn.FromText("never").After(TimeSpan.FromHours(1)));
        kit.LlmKit.ChatClient("deadline").UseStage(new ChatPipelineStage("probe", ChatPipelineOrder.UsageLedger + 1,
            ctx => new DeadlineProbe(ctx.InnerClient, seenDeadlines)));

        var error = await Assert.ThrowsAsync<LlmException>(() =>
            kit.DriveAsync(kit.Client("deadline").GetResponseAsync("hi"), TimeSpan.FromSeconds(1)));

        Assert.Equal(LlmErrorKind.Timeout, error.Kind);
        Assert.Contains("total deadline", error.Message);
        Assert.NotEmpty(seenDeadlines);
        Assert.All(seenDeadlines, d => Assert.Equal(start + TimeSpan.FromSeconds(90), d));
        Assert.True(kit.Time.GetUtcNow() - start < TimeSpan.FromSeconds(92)); // ended at the deadline, not after more retries
    }

    [Fact]
    public async Task Cancellation_by_the_caller_stays_a_cancellation_and_is_not_retried()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("caller-cancel").Enqueue(ScriptedTurn.FromText("slow").After(TimeSpan.FromSeconds(10)), ScriptedTurn.FromText("unused"));
        using var cts = new CancellationTokenSource();

        var call = kit.Client("caller-cancel").GetResponseAsync("hi", cancellationToken: cts.Token);
        await ResilienceTestKit.WaitUntilAsync(() => model.Requests.Count == 1, "the attempt was sent");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Single(model.Requests);
    }

    [Fact]
    public async Task The_callers_options_are_never_changed()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("options").Enqueue(ScriptedTurn.FromText("ok"));
        var options = new ChatOptions { ModelId = "m" };

        await kit.Client("options").GetResponseAsync("hi", options);

        Assert.Null(options.AdditionalProperties);
        Assert.True(model.Requests[0].Options.TryGetDeadline(out _));
    }

    private sealed class DeadlineProbe(IChatClient inner, List<DateTimeOffset> seen) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (options.TryGetDeadline(out var deadline))
            {
                lock (seen)
                {
                    seen.Add(deadline);
                }
            }

            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}
