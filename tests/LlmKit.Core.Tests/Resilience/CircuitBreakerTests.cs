using LlmKit.Errors;
using LlmKit.Resilience;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.Resilience;

public sealed class CircuitBreakerTests
{
    private static void Sensitive(ResilienceOptions o)
    {
        o.Retry.MaxRetryAttempts = 0;
        o.CircuitBreaker.MinimumThroughput = 4;
        o.CircuitBreaker.FailureRatio = 0.5;
        o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
    }

    [Fact]
    public async Task An_open_circuit_fails_fast_without_calling_the_provider()
    {
        using var kit = new ResilienceTestKit();
        using var metrics = new ResilienceMetrics("breaker");
        var model = kit.AddClient("breaker", Sensitive);
        model.RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Overloaded));
        var client = kit.Client("breaker");

        for (int i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("hi"));
        }

        var rejected = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("hi"));

        Assert.Equal(4, model.Requests.Count);
        Assert.Equal(LlmErrorKind.Overloaded, rejected.Kind);
        Assert.Equal("llmkit", rejected.Provider);
        Assert.True(rejected.IsTransient);
        Assert.NotNull(rejected.RetryAfter);
        Assert.Equal(1, metrics.Sum("llmkit.resilience.circuit_transitions"));
        Assert.Equal(1, metrics.Sum("llmkit.resilience.rejections", "circuit_open"));
    }

    [Fact]
    public async Task Rate_limits_and_content_errors_do_not_open_the_circuit()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("breaker-429", Sensitive);
        for (int i = 0; i < 6; i++)
        {
            model.Enqueue(ScriptedTurn.FromError(i % 2 == 0 ? LlmErrorKind.RateLimited : LlmErrorKind.ContentFiltered));
        }

        model.Enqueue(ScriptedTurn.FromText("still served"));
        var client = kit.Client("breaker-429");
        for (int i = 0; i < 6; i++)
        {
            await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("hi"));
        }

        Assert.Equal("still served", (await client.GetResponseAsync("hi")).Text);
    }

    [Fact]
    public async Task Half_open_lets_exactly_one_probe_through_and_closes_when_it_succeeds()
    {
        using var kit = new ResilienceTestKit();
        using var metrics = new ResilienceMetrics("probe");
        var model = kit.AddClient("probe", Sensitive);
        for (int i = 0; i < 4; i++)
        {
            model.Enqueue(ScriptedTurn.FromError(LlmErrorKind.ServerError));
        }

        model.Enqueue(ScriptedTurn.FromText("probe ok").After(TimeSpan.FromSeconds(5)), ScriptedTurn.FromText("after close"));
        var client = kit.Client("probe");
        for (int i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("hi"));
        }

        kit.Time.Advance(TimeSpan.FromSeconds(31));
        var probe = client.GetResponseAsync("probe");
        await ResilienceTestKit.WaitUntilAsync(() => model.Requests.Count == 5, "the probe was sent");
        var concurrent = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("while probing"));

        Assert.Equal("llmkit", concurrent.Provider);
        Assert.Equal("probe ok", (await kit.DriveAsync(probe)).Text);
        Assert.Equal("after close", (await client.GetResponseAsync("hi")).Text);
        Assert.Equal(6, model.Requests.Count);
        Assert.Equal(["open", "half_open", "closed"], metrics.TagsOf("llmkit.resilience.circuit_transitions").Select(t => (string)t["state"]!));
    }

    [Fact]
    public async Task Each_model_has_its_own_circuit()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("per-model", Sensitive);
        model.RespondToEveryRequest(r => r.Options?.ModelId == "broken"
            ? ScriptedTurn.FromError(LlmErrorKind.Overloaded)
            : ScriptedTurn.FromText("healthy"));
        var client = kit.Client("per-model");
        var broken = new ChatOptions { ModelId = "broken" };
        for (int i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync("hi", broken));
        }

        var response = await client.GetResponseAsync("hi", new ChatOptions { ModelId = "fine" });

        Assert.Equal("healthy", response.Text);
        Assert.Equal(4, model.Requests.Count(r => r.Options?.ModelId == "broken"));
    }
}
