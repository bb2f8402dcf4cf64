using LlmKit.Errors;
using LlmKit.Resilience.RateLimiting;
using LlmKit.Testing;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Core.Tests.Resilience;

public sealed class RateLimitingTests
{
    [Fact]
    public async Task The_concurrency_limit_queues_calls_and_rejects_locally_when_the_queue_is_full()
    {
        using var kit = new ResilienceTestKit();
        using var metrics = new ResilienceMetrics("narrow");
        var model = kit.AddClient("narrow", o =>
        {
            o.ConcurrencyLimiter.PermitLimit = 1;
            o.ConcurrencyLimiter.QueueLimit = 1;
        });
        model.RespondToEveryRequest(r => ScriptedTurn.FromText("done " + r.LastUserText).After(TimeSpan.FromSeconds(10)));
        var client = kit.Client("narrow");

        var first = client.GetResponseAsync("1");
        var second = client.GetResponseAsync("2");
        await ResilienceTestKit.WaitUntilAsync(() => model.Requests.Count == 1, "the first call was sent");
        var rejected = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("3"));

        Assert.Equal((LlmErrorKind.RateLimited, "llmkit"), (rejected.Kind, rejected.Provider));
        Assert.Single(model.Requests); // the queued call waits for the permit
        await kit.DriveAsync(Task.WhenAll(first, second), TimeSpan.FromSeconds(1));
        Assert.Equal(["1", "2"], model.Requests.Select(r => r.LastUserText));
        Assert.True(model.Requests[1].ReceivedAt - model.Requests[0].ReceivedAt >= TimeSpan.FromSeconds(10));
        Assert.Equal(1, metrics.Sum("llmkit.resilience.rejections", "concurrency_queue_full"));
    }

    [Fact]
    public async Task The_token_rate_limiter_paces_attempts_by_the_registered_token_counter()
    {
        using var kit = new ResilienceTestKit();
        kit.Services.AddSingleton<IChatTokenCounter>(new FixedTokenCounter(400));
        var model = kit.AddClient("tpm", o => o.TokenRateLimiter.TokensPerMinute = 600);
        model.RespondToEveryRequest(_ => ScriptedTurn.FromText("ok"));
        var client = kit.Client("tpm");

        await client.GetResponseAsync("first");                                   // 600 → 200 left
        var second = client.GetResponseAsync("second");                           // needs 200 more: 20 s of refill
        await kit.DriveAsync(second, TimeSpan.FromSeconds(1));

        var gap = model.Requests[1].ReceivedAt - model.Requests[0].ReceivedAt;
        Assert.InRange(gap, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(22));
    }

    [Fact]
    public async Task A_call_that_would_wait_longer_than_the_queue_delay_is_rejected_with_a_Retry_After()
    {
        using var kit = new ResilienceTestKit();
        kit.Services.AddSingleton<IChatTokenCounter>(new FixedTokenCounter(1000));
        var model = kit.AddClient("tpm-reject", o =>
        {
            o.TokenRateLimiter.TokensPerMinute = 1000;
            o.TokenRateLimiter.MaxQueueDelay = TimeSpan.FromSeconds(5);
            o.Retry.MaxRetryAttempts = 0;
        });
        model.RespondToEveryRequest(_ => ScriptedTurn.FromText("ok"));
        var client = kit.Client("tpm-reject");

        await client.GetResponseAsync("uses the whole minute");
        var error = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("too soon"));

        Assert.Equal((LlmErrorKind.RateLimited, "llmkit"), (error.Kind, error.Provider));
        Assert.InRange(error.RetryAfter!.Value, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(60));
        Assert.Single(model.Requests);
    }

    [Fact]
    public void Without_a_token_counter_the_estimate_errs_high_for_English_text()
    {
        // 45 characters of English: about 10 real tokens in o200k_base.
        var messages = new[] { new ChatMessage(ChatRole.User, "Please summarize the attached support ticket.") };

        int estimate = TokenRateLimiter.EstimateInputTokens(messages);

        Assert.Equal((45 + 2) / 3 + 4, estimate);
        Assert.True(estimate >= 10);
    }

    private sealed class FixedTokenCounter(int tokens) : IChatTokenCounter
    {
        public int CountInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? modelId = null) => tokens;
    }
}
