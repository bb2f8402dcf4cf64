using LlmKit.Errors;
using LlmKit.Resilience;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Core.Tests.Resilience;

public sealed class HedgingTests
{
    private static (ResilienceChatClient Client, ScriptedChatClient Model, CancellationRecordingChatClient Recorder, FakeTimeProvider Time, ServiceProvider Services)
        Create(Action<ResilienceOptions>? configure = null)
    {
        var time = new FakeTimeProvider();
        var model = new ScriptedChatClient(time);
        var recorder = new CancellationRecordingChatClient(model);
        var options = new ResilienceOptions { Randomizer = () => 0.5 };
        options.Hedging.Enabled = true;
        options.Hedging.Delay = TimeSpan.FromSeconds(5);
        configure?.Invoke(options);
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time).BuildServiceProvider();
        return (new ResilienceChatClient(recorder, options, services, "hedged"), model, recorder, time, services);
    }

    [Fact]
    public async Task A_slow_attempt_is_hedged_the_first_success_wins_and_the_loser_is_cancelled()
    {
        var (client, model, recorder, time, services) = Create();
        using var _ = services;
        using var metrics = new ResilienceMetrics("hedged");
        model.Enqueue(ScriptedTurn.FromText("slow").After(TimeSpan.FromSeconds(60)), ScriptedTurn.FromText("fast").After(TimeSpan.FromSeconds(1)));
        var start = time.GetUtcNow();

        var call = client.GetResponseAsync("hi");
        while (!call.IsCompleted && time.GetUtcNow() - start < TimeSpan.FromSeconds(60))
        {
            await ResilienceTestKit.SettleAsync();
            time.Advance(TimeSpan.FromMilliseconds(250));
        }

        var response = await call;
        Assert.Equal("fast", response.Text);
        Assert.True(time.GetUtcNow() - start < TimeSpan.FromSeconds(7), "the hedge answered at about 6 s, not the primary at 60 s");
        Assert.Equal(2, model.Requests.Count);
        Assert.True(model.Requests[1].ReceivedAt - model.Requests[0].ReceivedAt >= TimeSpan.FromSeconds(5));
        await ResilienceTestKit.WaitUntilAsync(() => recorder.Cancelled == 1, "the losing attempt was cancelled");
        Assert.Equal(1, metrics.Sum("llmkit.resilience.hedges"));
    }

    [Fact]
    public async Task A_fast_attempt_is_never_hedged()
    {
        var (client, model, _, time, services) = Create();
        using var __ = services;
        model.Enqueue(ScriptedTurn.FromText("quick").After(TimeSpan.FromSeconds(2)), ScriptedTurn.FromText("unused"));

        var call = client.GetResponseAsync("hi");
        for (int i = 0; i < 20 && !call.IsCompleted; i++)
        {
            await ResilienceTestKit.SettleAsync();
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal("quick", (await call).Text);
        Assert.Single(model.Requests);
    }

    [Fact]
    public async Task Hedges_draw_on_the_retry_budget_so_hedging_cannot_double_the_load()
    {
        var (client, model, _, time, services) = Create(o =>
        {
            o.Retry.RetryBudgetMinRetriesPerSecond = 1 / 10.0;
            o.Retry.RetryBudgetRatio = 0.01;
        });
        using var __ = services;
        model.RespondToEveryRequest(_ => ScriptedTurn.FromText("slow").After(TimeSpan.FromSeconds(8)));

        var calls = Enumerable.Range(0, 5).Select(i => client.GetResponseAsync($"call {i}")).ToArray();
        for (int i = 0; i < 60 && !calls.All(c => c.IsCompleted); i++)
        {
            await ResilienceTestKit.SettleAsync();
            time.Advance(TimeSpan.FromMilliseconds(500));
        }

        await Task.WhenAll(calls);
        Assert.Equal(6, model.Requests.Count); // 5 calls, and a budget of one hedge
    }

    [Fact]
    public async Task A_failed_attempt_does_not_start_an_immediate_hedge_that_would_skip_the_backoff()
    {
        var retryDelays = new List<TimeSpan>();
        var (client, model, _, time, services) = Create(o => o.Retry.OnRetry = args =>
        {
            retryDelays.Add(args.Delay);
            return default;
        });
        using var __ = services;
        model.Enqueue(ScriptedTurn.FromError(LlmErrorKind.RateLimited, retryAfter: TimeSpan.FromSeconds(3)), ScriptedTurn.FromText("ok"));

        var call = client.GetResponseAsync("hi");
        for (int i = 0; i < 40 && !call.IsCompleted; i++)
        {
            await ResilienceTestKit.SettleAsync();
            time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal("ok", (await call).Text);
        Assert.Equal(2, model.Requests.Count);
        Assert.True(model.Requests[1].ReceivedAt - model.Requests[0].ReceivedAt >= TimeSpan.FromSeconds(3));
        Assert.Equal([TimeSpan.FromSeconds(3)], retryDelays);
    }
}
