using LlmKit.Errors;
using LlmKit.Resilience.Retry;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.Resilience;

public sealed class RetryTests
{
    [Fact]
    public async Task Retries_transient_failures_with_the_same_conversation_and_returns_the_first_success()
    {
        using var kit = new ResilienceTestKit();
        using var metrics = new ResilienceMetrics("retry-ok");
        var model = kit.AddClient("retry-ok").Enqueue(
            ScriptedTurn.FromError(LlmErrorKind.Overloaded),
            ScriptedTurn.FromError(LlmErrorKind.ServerError),
            ScriptedTurn.FromText("Paris"));

        var response = await kit.DriveAsync(kit.Client("retry-ok").GetResponseAsync("Capital of France?"));

        Assert.Equal("Paris", response.Text);
        Assert.Equal(3, model.Requests.Count);
        Assert.All(model.Requests, r => Assert.Equal("Capital of France?", r.LastUserText));
        Assert.Equal(1, metrics.Sum("llmkit.resilience.retries", "Overloaded"));
        Assert.Equal(1, metrics.Sum("llmkit.resilience.retries", "ServerError"));
        Assert.Equal(3, metrics.Sum("llmkit.resilience.attempts"));
    }

    [Theory]
    [InlineData(LlmErrorKind.BadRequest)]
    [InlineData(LlmErrorKind.ContentFiltered)]
    [InlineData(LlmErrorKind.ContextLengthExceeded)]
    [InlineData(LlmErrorKind.Authentication)]
    [InlineData(LlmErrorKind.Unknown)]
    public async Task Never_retries_a_failure_that_is_not_transient(LlmErrorKind kind)
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("no-retry").Enqueue(ScriptedTurn.FromError(kind), ScriptedTurn.FromText("never sent"));

        var error = await Assert.ThrowsAsync<LlmException>(() => kit.Client("no-retry").GetResponseAsync("hi"));

        Assert.Equal(kind, error.Kind);
        Assert.Single(model.Requests);
    }

    [Fact]
    public async Task Retries_after_the_Retry_After_delay_not_sooner()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("retry-after", o => o.Randomizer = () => 0.0).Enqueue(
            ScriptedTurn.FromError(LlmErrorKind.RateLimited, retryAfter: TimeSpan.FromSeconds(20)),
            ScriptedTurn.FromText("ok"));

        var call = kit.Client("retry-after").GetResponseAsync("hi");
        await ResilienceTestKit.WaitUntilAsync(() => model.Requests.Count == 1, "the first attempt was sent");
        await ResilienceTestKit.SettleAsync();
        kit.Time.Advance(TimeSpan.FromSeconds(19.9));
        await ResilienceTestKit.SettleAsync();
        Assert.Single(model.Requests); // the jittered backoff alone (0 s here) would already have retried

        var response = await kit.DriveAsync(call);

        Assert.Equal("ok", response.Text);
        Assert.True(model.Requests[1].ReceivedAt - model.Requests[0].ReceivedAt >= TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Backoff_is_exponential_with_full_jitter_and_capped_per_delay()
    {
        var delays = new List<TimeSpan>();
        var draws = new Queue<double>([0.5, 0.5, 1.0, 0.25]);
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("backoff", o =>
        {
            o.Randomizer = () => draws.Dequeue();
            o.Retry.MaxRetryAttempts = 4;
            o.Retry.BaseDelay = TimeSpan.FromSeconds(2);
            o.Retry.MaxDelay = TimeSpan.FromSeconds(6);
            o.Retry.OnRetry = args =>
            {
                delays.Add(args.Delay);
                return default;
            };
        });
        model.RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Network));

        await Assert.ThrowsAsync<LlmException>(() => kit.DriveAsync(kit.Client("backoff").GetResponseAsync("hi")));

        // Ceilings 2, 4, 8→6 (capped), 16→6 (capped), each scaled by a uniform draw.
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(1.5)], delays);
        Assert.Equal(5, model.Requests.Count);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_total_delay_cap_surfaces_at_once_instead_of_holding_the_call()
    {
        using var kit = new ResilienceTestKit();
        using var metrics = new ResilienceMetrics("long-retry-after");
        var model = kit.AddClient("long-retry-after").Enqueue(
            ScriptedTurn.FromError(LlmErrorKind.RateLimited, retryAfter: TimeSpan.FromMinutes(10)),
            ScriptedTurn.FromText("never sent"));

        var error = await Assert.ThrowsAsync<LlmException>(() => kit.Client("long-retry-after").GetResponseAsync("hi"));

        Assert.Equal(LlmErrorKind.RateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromMinutes(10), error.RetryAfter);
        Assert.Single(model.Requests);
        Assert.Equal(1, metrics.Sum("llmkit.resilience.retries_skipped", "total_delay_cap"));
    }

    [Fact]
    public async Task The_retry_budget_caps_extra_attempts_during_an_outage_across_calls()
    {
        using var kit = new ResilienceTestKit();
        using var metrics = new ResilienceMetrics("budget");
        var model = kit.AddClient("budget", o =>
        {
            o.Retry.BaseDelay = TimeSpan.Zero; // no waiting needed: this test is about counts
            o.Retry.MaxDelay = TimeSpan.Zero;
            o.Retry.RetryBudgetMinRetriesPerSecond = 2 / 10.0;
            o.Retry.RetryBudgetRatio = 0.1;
            o.CircuitBreaker.Enabled = false;
        });
        model.RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Overloaded));
        var client = kit.Client("budget");

        for (int i = 0; i < 50; i++)
        {
            await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync($"call {i}"));
        }

        // 50 first attempts, the reserve of 2, and 10% of the calls (5): never 50 × 4 as a plain retry policy would.
        Assert.InRange(model.Requests.Count, 50, 57);
        Assert.True(metrics.Sum("llmkit.resilience.retries_skipped", "retry_budget_exhausted") >= 40);
    }

    [Fact]
    public async Task OnRetry_reports_the_client_model_attempt_and_failure()
    {
        var seen = new List<OnChatRetryArguments>();
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("on-retry", o => o.Retry.OnRetry = args =>
        {
            seen.Add(args);
            return default;
        }).Enqueue(ScriptedTurn.FromError(LlmErrorKind.Timeout), ScriptedTurn.FromText("ok"));

        await kit.DriveAsync(kit.Client("on-retry").GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-x" }));

        var retry = Assert.Single(seen);
        Assert.Equal(("on-retry", "gpt-x", 0, LlmErrorKind.Timeout), (retry.ClientName, retry.ModelId, retry.AttemptNumber, retry.Exception.Kind));
        Assert.Equal(2, model.Requests.Count);
    }
}
