using LlmKit.Errors;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Fault;
using Polly.Simmy.Latency;

namespace LlmKit.Core.Tests.Resilience;

/// <summary>
/// Fault injection at the <see cref="IChatClient"/> level with Polly's chaos strategies: the faults a provider
/// reports as <see cref="LlmException"/> (HTTP status → kind as providers map it) and stalls, each ending in its
/// documented outcome.
/// </summary>
public sealed class ChaosTests
{
    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(529)]
    public async Task A_burst_of_transient_HTTP_failures_is_retried_to_success(int status)
    {
        using var kit = new ResilienceTestKit();
        var kind = LlmException.KindFromStatusCode(status);
        var model = kit.AddClient("burst");
        model.Enqueue(ScriptedTurn.FromError(kind, statusCode: status), ScriptedTurn.FromError(kind, statusCode: status), ScriptedTurn.FromText("recovered"));

        var response = await kit.DriveAsync(kit.Client("burst").GetResponseAsync("hi"));

        Assert.Equal("recovered", response.Text);
        Assert.Equal(3, model.Requests.Count);
    }

    [Theory]
    [InlineData(LlmErrorKind.Network, true)]   // connection reset
    [InlineData(LlmErrorKind.ServerError, true)] // HTML error page from a proxy (502 with a non-JSON body)
    [InlineData(LlmErrorKind.Unknown, false)]  // malformed JSON in a 200: not transient, surfaces to the caller
    public async Task Transport_faults_end_in_their_documented_outcome(LlmErrorKind kind, bool retried)
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("transport");
        model.Enqueue(ScriptedTurn.FromError(kind), ScriptedTurn.FromText("second attempt"));

        var call = kit.DriveAsync(kit.Client("transport").GetResponseAsync("hi"));

        if (retried)
        {
            Assert.Equal("second attempt", (await call).Text);
            Assert.Equal(2, model.Requests.Count);
        }
        else
        {
            Assert.Equal(kind, (await Assert.ThrowsAsync<LlmException>(() => call)).Kind);
            Assert.Single(model.Requests);
        }
    }

    [Fact]
    public async Task Injected_503s_at_a_5_percent_rate_are_absorbed_within_the_retry_budget()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("chaos-503", o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(200);
            o.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        });
        model.RespondToEveryRequest(_ => ScriptedTurn.FromText("ok"));
        var injected = 0;
        var random = new Random(7);
        kit.LlmKit.ChatClient("chaos-503").UseStage(new global::LlmKit.Pipeline.ChatPipelineStage("chaos", 800, ctx => new ChaosChatClient(ctx.InnerClient,
            new ResiliencePipelineBuilder { TimeProvider = kit.Time }.AddChaosFault(new ChaosFaultStrategyOptions
            {
                InjectionRate = 0.05,
                Randomizer = random.NextDouble,
                FaultGenerator = _ => new ValueTask<Exception?>(new LlmException(LlmErrorKind.Overloaded, "injected 503") { StatusCode = 503 }),
                OnFaultInjected = _ =>
                {
                    Interlocked.Increment(ref injected);
                    return default;
                },
            }).Build())));
        var client = kit.Client("chaos-503");

        for (int i = 0; i < 200; i++)
        {
            Assert.Equal("ok", (await kit.DriveAsync(client.GetResponseAsync($"call {i}"))).Text);
        }

        Assert.InRange(injected, 1, 30);
        Assert.Equal(200, model.Requests.Count); // every injected failure was followed by exactly one successful retry
    }

    [Fact]
    public async Task Injected_stalls_past_the_attempt_timeout_are_cut_and_retried()
    {
        using var kit = new ResilienceTestKit();
        var model = kit.AddClient("chaos-stall", o => o.Timeout.AttemptTimeout = TimeSpan.FromSeconds(30));
        model.RespondToEveryRequest(_ => ScriptedTurn.FromText("ok"));
        var stalls = new Queue<bool>([true, false, true, true, false]);
        kit.LlmKit.ChatClient("chaos-stall").UseStage(new global::LlmKit.Pipeline.ChatPipelineStage("chaos", 800, ctx => new ChaosChatClient(ctx.InnerClient,
            new ResiliencePipelineBuilder { TimeProvider = kit.Time }.AddChaosLatency(new ChaosLatencyStrategyOptions
            {
                EnabledGenerator = _ => new ValueTask<bool>(stalls.Dequeue()),
                InjectionRate = 1,
                Latency = TimeSpan.FromMinutes(10),
            }).Build())));
        var client = kit.Client("chaos-stall");

        var first = await kit.DriveAsync(client.GetResponseAsync("a"), TimeSpan.FromSeconds(1));
        var second = await kit.DriveAsync(client.GetResponseAsync("b"), TimeSpan.FromSeconds(1));

        Assert.Equal(("ok", "ok"), (first.Text, second.Text));
        Assert.Equal(2, model.Requests.Count); // stalled attempts never reached the model
        Assert.Empty(stalls);
    }

    /// <summary>Runs every call to the inner client through a Polly chaos pipeline.</summary>
    private sealed class ChaosChatClient(IChatClient inner, ResiliencePipeline chaos) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            await chaos.ExecuteAsync(async ct => await base.GetResponseAsync(messages, options, ct), cancellationToken);
    }
}
