using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Resilience;
using LlmKit.Resilience.Fallback;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmKit.Core.Tests.Resilience;

public sealed class FallbackTests
{
    private static void NoRetries(ResilienceOptions o) => o.Retry.MaxRetryAttempts = 0;

    [Fact]
    public async Task An_outage_falls_back_to_the_next_named_client_and_marks_the_answer()
    {
        using var kit = new ResilienceTestKit();
        using var metrics = new ResilienceMetrics("main");
        var main = kit.AddClient("main", o =>
        {
            NoRetries(o);
            o.Fallback.ClientNames.Add("other-provider");
            o.Fallback.ClientNames.Add("cheap");
        }).Enqueue(ScriptedTurn.FromError(LlmErrorKind.Overloaded));
        var other = kit.AddClient("other-provider", NoRetries).Enqueue(ScriptedTurn.FromError(LlmErrorKind.Network));
        var cheap = kit.AddClient("cheap", NoRetries).Enqueue(ScriptedTurn.FromText("from the cheap model"));

        var response = await kit.Client("main").GetResponseAsync("Summarize the ticket");

        Assert.Equal("from the cheap model", response.Text);
        Assert.Equal("client:cheap", response.GetFallbackSource());
        Assert.Equal("Summarize the ticket", Assert.Single(cheap.Requests).LastUserText);
        Assert.Single(main.Requests);
        Assert.Single(other.Requests);
        Assert.Equal(["client:other-provider", "client:cheap"], metrics.TagsOf("llmkit.resilience.fallbacks").Select(t => (string)t["target"]!));
        Assert.Equal(["Overloaded", "Network"], metrics.TagsOf("llmkit.resilience.fallbacks").Select(t => (string)t["reason"]!));
    }

    [Fact]
    public async Task A_refusal_is_an_answer_and_never_triggers_a_fallback()
    {
        using var kit = new ResilienceTestKit();
        kit.AddClient("careful", o => o.Fallback.ClientNames.Add("lenient")).Enqueue(ScriptedTurn.FromRefusal("I can't help with that."));
        var lenient = kit.AddClient("lenient").EnqueueText("sure!");

        var response = await kit.Client("careful").GetResponseAsync("something risky");

        Assert.Equal("I can't help with that.", response.GetRefusal());
        Assert.Null(response.GetFallbackSource());
        Assert.Empty(lenient.Requests);
    }

    [Theory]
    [InlineData(LlmErrorKind.ContentFiltered)]
    [InlineData(LlmErrorKind.BadRequest)]
    [InlineData(LlmErrorKind.ContextLengthExceeded)]
    public async Task Failures_caused_by_the_request_or_the_content_surface_without_a_fallback(LlmErrorKind kind)
    {
        using var kit = new ResilienceTestKit();
        kit.AddClient("strict", o =>
        {
            o.Fallback.ClientNames.Add("backup");
            o.Fallback.DegradedResponseText = "busy";
        }).Enqueue(ScriptedTurn.FromError(kind));
        var backup = kit.AddClient("backup").EnqueueText("unused");

        var error = await Assert.ThrowsAsync<LlmException>(() => kit.Client("strict").GetResponseAsync("hi"));

        Assert.Equal(kind, error.Kind);
        Assert.Empty(backup.Requests);
    }

    [Fact]
    public async Task A_cached_answer_comes_before_the_degraded_message_and_the_degraded_message_is_the_last_resort()
    {
        using var kit = new ResilienceTestKit();
        var cache = new Dictionary<string, string> { ["What are your opening hours?"] = "9 to 5, Monday to Friday." };
        var model = kit.AddClient("faq", o =>
        {
            NoRetries(o);
            o.CircuitBreaker.Enabled = false;
            o.Fallback.CachedResponse = (args, _) => new ValueTask<ChatResponse?>(
                cache.TryGetValue(args.Messages[^1].Text, out var answer) ? new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)) : null);
            o.Fallback.DegradedResponseText = "The assistant is busy; please try again in a minute.";
        });
        model.RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.ServerError));
        var client = kit.Client("faq");

        var cached = await client.GetResponseAsync("What are your opening hours?");
        var degraded = await client.GetResponseAsync("Where is my order?");

        Assert.Equal(("9 to 5, Monday to Friday.", "cache"), (cached.Text, cached.GetFallbackSource()));
        Assert.Equal("The assistant is busy; please try again in a minute.", degraded.Text);
        Assert.True(degraded.IsDegraded());
        Assert.False(cached.IsDegraded());
    }

    [Fact]
    public async Task Clients_that_fall_back_to_each_other_do_not_loop()
    {
        using var kit = new ResilienceTestKit();
        var a = kit.AddClient("a", o => { NoRetries(o); o.Fallback.ClientNames.Add("b"); });
        var b = kit.AddClient("b", o => { NoRetries(o); o.Fallback.ClientNames.Add("a"); });
        a.RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Overloaded));
        b.RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.Overloaded));

        var error = await Assert.ThrowsAsync<LlmException>(() => kit.Client("a").GetResponseAsync("hi"));

        Assert.Equal(LlmErrorKind.Overloaded, error.Kind);
        Assert.Single(a.Requests);
        Assert.Single(b.Requests);
    }

    [Fact]
    public async Task While_the_circuit_is_open_calls_go_straight_to_the_fallback_without_touching_the_provider()
    {
        using var kit = new ResilienceTestKit();
        var main = kit.AddClient("tripped", o =>
        {
            NoRetries(o);
            o.CircuitBreaker.MinimumThroughput = 2;
            o.Fallback.ClientNames.Add("spare");
        });
        main.RespondToEveryRequest(_ => ScriptedTurn.FromError(LlmErrorKind.ServerError));
        var spare = kit.AddClient("spare").RespondToEveryRequest(_ => ScriptedTurn.FromText("spare answer"));
        var client = kit.Client("tripped");

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("spare answer", (await client.GetResponseAsync($"call {i}")).Text);
        }

        Assert.Equal(2, main.Requests.Count); // the circuit opened after two failures
        Assert.Equal(5, spare.Requests.Count);
    }

    [Fact]
    public async Task Invalid_resilience_options_fail_when_the_host_starts_and_name_the_key()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLlmKit().AddChatClient("svc", new ScriptedChatClient()).UseResilience(o =>
        {
            o.Fallback.FailureKinds.Add(LlmErrorKind.ContentFiltered);
            o.Retry.MaxRetryAttempts = 50;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains("LlmKit:Resilience:svc:Fallback:FailureKinds") && f.Contains("ContentFiltered"));
        Assert.Contains(error.Failures, f => f.Contains("LlmKit:Resilience:svc:Retry:MaxRetryAttempts"));
    }

    [Fact]
    public void A_fallback_to_an_unregistered_client_is_reported_when_the_pipeline_is_built()
    {
        var services = new ServiceCollection();
        services.AddLlmKit().AddChatClient("svc", new ScriptedChatClient()).UseResilience(o => o.Fallback.ClientNames.Add("typo"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<IChatClient>("svc"));

        Assert.Contains("'typo'", error.Message);
        Assert.Contains("LlmKit:Resilience:svc:Fallback:ClientNames", error.Message);
    }
}
