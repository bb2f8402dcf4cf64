using LlmKit.Errors;
using LlmKit.Orchestration.FanOut;
using LlmKit.Pipeline;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Orchestration.Tests;

public sealed class FanOutTests
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Summarise the incident.")];

    private static FanOutCall Call(string name, IChatClient client) => new(name, client, Prompt);

    [Fact]
    public async Task What_arrived_before_the_deadline_is_returned_and_the_late_call_is_a_typed_timeout()
    {
        var time = new FakeTimeProvider();
        var fast = new ScriptedChatClient(time).EnqueueText("fast answer");
        var failing = new ScriptedChatClient(time).EnqueueError(LlmErrorKind.RateLimited);
        var slow = new ScriptedChatClient(time).Enqueue(ScriptedTurn.FromText("too late").After(TimeSpan.FromSeconds(30)));

        var run = ChatFanOut.RunAsync([Call("fast", fast), Call("failing", failing), Call("slow", slow)],
            new FanOutOptions { Deadline = TimeSpan.FromSeconds(5), Quorum = 1 }, time);
        while (!run.IsCompleted)
        {
            await Task.Delay(5);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var result = await run;
        Assert.True(result.QuorumMet);
        Assert.Equal("fast answer", Assert.Single(result.Succeeded).Response.Text);
        Assert.Collection(result.Failed,
            f => Assert.Equal(("failing", FanOutFailureKind.Failed, LlmErrorKind.RateLimited), (f.Name, f.Kind, f.Error!.Kind)),
            f => Assert.Equal(("slow", FanOutFailureKind.TimedOut), (f.Name, f.Kind)));
    }

    [Fact]
    public async Task Stopping_at_the_quorum_cancels_the_calls_not_needed_and_all_calls_share_one_logical_call()
    {
        var a = new ScriptedChatClient().EnqueueText("a");
        var b = new ScriptedChatClient().EnqueueText("b");
        var c = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("c").After(TimeSpan.FromSeconds(30)));

        // The slow call goes first so that it has started (and is in flight) when a and b meet the quorum; listed last,
        // it may not start at all once the quorum is met, which is also right but leaves nothing of it to inspect.
        var result = await ChatFanOut.RunAsync([Call("c", c), Call("a", a), Call("b", b)], new FanOutOptions { Quorum = 2, StopAtQuorum = true });

        Assert.Equal(["a", "b"], result.Succeeded.Select(s => s.Name));
        Assert.Equal(("c", FanOutFailureKind.NotNeeded), (result.Failed[0].Name, result.Failed[0].Kind));
        Assert.Equal(result.LogicalCallId, LlmKitCall.Of(a.Requests[0].Options)!.Id);
        Assert.Equal(result.LogicalCallId, LlmKitCall.Of(c.Requests[0].Options)!.Id);
    }

    [Fact]
    public async Task A_missed_quorum_is_reported_and_EnsureQuorum_throws_with_every_reason()
    {
        var ok = new ScriptedChatClient().EnqueueText("fine");
        var down = new ScriptedChatClient().EnqueueError(LlmErrorKind.Overloaded);

        var result = await ChatFanOut.RunAsync([Call("ok", ok), Call("down", down)]);

        Assert.False(result.QuorumMet);
        var error = Assert.Throws<LlmException>(() => result.EnsureQuorum());
        Assert.Equal(LlmErrorKind.Overloaded, error.Kind);
        Assert.Contains("needed 2 answers but got 1: down: Failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quorum_above_the_fan_out_and_repeated_names_are_refused_and_cancellation_is_thrown()
    {
        var client = new ScriptedChatClient();
        var quorum = await Assert.ThrowsAsync<ArgumentException>(() => ChatFanOut.RunAsync([Call("a", client)], new FanOutOptions { Quorum = 2 }));
        var names = await Assert.ThrowsAsync<ArgumentException>(() => ChatFanOut.RunAsync([Call("a", client), Call("a", client)]));
        var none = await Assert.ThrowsAsync<ArgumentException>(() => ChatFanOut.RunAsync([]));

        Assert.Contains("Quorum must be between 1 and the number of calls (1), but was 2.", quorum.Message, StringComparison.Ordinal);
        Assert.Contains("unique", names.Message, StringComparison.Ordinal);
        Assert.Contains("at least one call", none.Message, StringComparison.Ordinal);
        Assert.Empty(client.Requests);

        var slow = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("x").After(TimeSpan.FromSeconds(30)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(30));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ChatFanOut.RunAsync([Call("slow", slow)], cancellationToken: cancel.Token));
    }
}
