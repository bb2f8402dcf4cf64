using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Core.Tests.Tools;

public sealed class StoredToolLoopTests
{
    private const string OrderSchema = """{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""";

    private static readonly Dictionary<string, ToolApprovalDecision> Approve = new() { ["del"] = ToolApprovalDecision.Approve };

    private static (ToolLoopChatClient Loop, SchemaFunction Delete) SuspendingLoop()
    {
        var delete = SchemaFunction.Returning("delete_order", OrderSchema, a => $"deleted {a["id"]}");
        var registry = new ToolRegistry().Add(delete, new ToolMetadata { SideEffect = ToolSideEffect.Destructive });
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCalls(ScriptedTurn.CreateToolCall("delete_order", new { id = "A1" }, "del")),
            ScriptedTurn.FromText("Deleted A1."));
        return (new ToolLoopChatClient(model, registry: registry), delete);
    }

    private static async Task<string> SuspendAsync(ToolLoopChatClient loop, IToolLoopContinuationStore store, string? owner = "alice", TimeSpan? timeToLive = null)
    {
        var suspended = await loop.RunAsync([new ChatMessage(ChatRole.User, "delete A1")]);
        Assert.Equal(ToolLoopStopReason.AwaitingApproval, suspended.StopReason);
        return await store.SaveAsync(suspended.Continuation!, timeToLive ?? TimeSpan.FromHours(1), owner);
    }

    [Fact]
    public async Task An_approval_delivered_twice_resumes_the_loop_once_and_the_replay_is_refused_without_running_the_tool()
    {
        var (loop, delete) = SuspendingLoop();
        var store = new InMemoryToolLoopContinuationStore();
        string id = await SuspendAsync(loop, store);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => loop.ResumeStoredToolsAsync(store, id, Approve, owner: "alice")));

        var resumed = Assert.Single(attempts, a => a.IsResumed);
        Assert.Equal(ToolLoopStopReason.FinalAnswer, resumed.Result!.StopReason);
        Assert.Equal("Deleted A1.", resumed.Result.Text);
        Assert.All(attempts.Where(a => !a.IsResumed), a =>
        {
            Assert.Equal(ToolLoopResumeStatus.AlreadyClaimed, a.Status);
            Assert.Null(a.Result);
            Assert.Equal(resumed.ClaimedAt, a.ClaimedAt);
        });
        Assert.Equal(1, delete.Invocations);
    }

    [Fact]
    public async Task Another_owner_is_refused_before_the_claim_so_the_owner_can_still_resume()
    {
        var (loop, delete) = SuspendingLoop();
        var store = new InMemoryToolLoopContinuationStore();
        string id = await SuspendAsync(loop, store);

        var stranger = await loop.ResumeStoredToolsAsync(store, id, Approve, owner: "mallory");
        Assert.Equal(ToolLoopResumeStatus.NotOwner, stranger.Status);
        Assert.Equal(0, delete.Invocations);
        Assert.Null((await store.GetAsync(id))!.ClaimedAt);

        var owner = await loop.ResumeStoredToolsAsync(store, id, Approve, owner: "alice");
        Assert.True(owner.IsResumed);
        Assert.Equal(1, delete.Invocations);
        Assert.Equal(ToolLoopResumeStatus.NotFound, (await loop.ResumeStoredToolsAsync(store, "no-such-loop", Approve, owner: "alice")).Status);
        Assert.Equal(ToolLoopResumeStatus.NotFound, (await loop.ResumeStoredToolsAsync(store, "no-such-loop", Approve)).Status);
    }

    [Fact]
    public async Task A_loop_past_its_time_to_live_is_refused_as_expired_and_nothing_runs()
    {
        var (loop, delete) = SuspendingLoop();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new InMemoryToolLoopContinuationStore(time);
        string id = await SuspendAsync(loop, store, timeToLive: TimeSpan.FromMinutes(5));
        time.Advance(TimeSpan.FromMinutes(6));

        var late = await loop.ResumeStoredToolsAsync(store, id, Approve);

        Assert.Equal(ToolLoopResumeStatus.Expired, late.Status);
        Assert.Equal(0, delete.Invocations);
    }

    [Fact]
    public async Task The_streaming_form_streams_the_resumed_loop_and_refuses_a_replay_with_no_events()
    {
        var (loop, delete) = SuspendingLoop();
        var store = new InMemoryToolLoopContinuationStore();
        string id = await SuspendAsync(loop, store);

        var first = await loop.ResumeStoredToolsStreamingAsync(store, id, Approve);
        var replay = await loop.ResumeStoredToolsStreamingAsync(store, id, Approve);
        Assert.Equal((ToolLoopResumeStatus.AlreadyClaimed, null), (replay.Status, replay.Events));

        var events = new List<ToolLoopEvent>();
        await foreach (var e in first.Events!)
        {
            events.Add(e);
        }

        Assert.Contains(events, e => e is ToolCallFinishedEvent { Step.ToolName: "delete_order" });
        Assert.Equal(ToolLoopStopReason.FinalAnswer, Assert.IsType<ToolLoopCompletedEvent>(events[^1]).Result.StopReason);
        Assert.Equal(1, delete.Invocations);
    }

    [Fact]
    public void The_in_memory_store_is_registered_once_and_never_over_a_store_registered_before_it()
    {
        var services = new ServiceCollection();
        services.AddLlmKit().AddToolLoopContinuationStore().AddToolLoopContinuationStore();
        using (var provider = services.BuildServiceProvider())
        {
            Assert.IsType<InMemoryToolLoopContinuationStore>(Assert.Single(provider.GetServices<IToolLoopContinuationStore>()));
        }

        var shared = new InMemoryToolLoopContinuationStore();
        var withShared = new ServiceCollection().AddSingleton<IToolLoopContinuationStore>(shared);
        withShared.AddLlmKit().AddToolLoopContinuationStore();
        using var sharedProvider = withShared.BuildServiceProvider();
        Assert.Same(shared, sharedProvider.GetRequiredService<IToolLoopContinuationStore>());
    }
}
