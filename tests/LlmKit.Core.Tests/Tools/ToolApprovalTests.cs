using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static LlmKit.Core.Tests.Tools.ToolTestKit;

namespace LlmKit.Core.Tests.Tools;

public sealed class ToolApprovalTests
{
    private const string OrderSchema = """{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""";

    private static (ToolRegistry Registry, SchemaFunction Lookup, SchemaFunction Delete) Tools()
    {
        var lookup = SchemaFunction.Returning("lookup_order", OrderSchema, a => $"order {a["id"]}: 2 items");
        var delete = SchemaFunction.Returning("delete_order", OrderSchema, a => $"deleted {a["id"]}");
        var registry = new ToolRegistry()
            .Add(lookup, new ToolMetadata { SideEffect = ToolSideEffect.ReadOnly })
            .Add(delete, new ToolMetadata { SideEffect = ToolSideEffect.Destructive });
        return (registry, lookup, delete);
    }

    [Fact]
    public async Task A_destructive_call_runs_only_after_the_handler_approves_it()
    {
        var (registry, lookup, delete) = Tools();
        var approvals = new RecordingApprovals(ToolApprovalDecision.Approve);
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCalls(ScriptedTurn.CreateToolCall("lookup_order", new { id = "A1" }), ScriptedTurn.CreateToolCall("delete_order", new { id = "A1" }, "del")),
            ScriptedTurn.FromText("Deleted."));
        var loop = new ToolLoopChatClient(model, new ToolLoopOptions { ApprovalHandler = approvals }, registry);

        var result = await loop.RunAsync([new ChatMessage(ChatRole.User, "delete A1")]);

        Assert.Equal(ToolLoopStopReason.FinalAnswer, result.StopReason);
        var request = Assert.Single(approvals.Requests); // the read-only lookup needs no approval
        Assert.Equal(("del", "delete_order", """{"id":"A1"}"""), (request.CallId, request.ToolName, request.Arguments));
        Assert.Equal((1, 1), (lookup.Invocations, delete.Invocations));
    }

    [Fact]
    public async Task A_denied_call_never_runs_and_nothing_else_of_its_turn_runs_either()
    {
        var (registry, lookup, delete) = Tools();
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCalls(ScriptedTurn.CreateToolCall("lookup_order", new { id = "A1" }), ScriptedTurn.CreateToolCall("delete_order", new { id = "A1" })));
        var loop = new ToolLoopChatClient(model, new ToolLoopOptions { ApprovalHandler = new RecordingApprovals(ToolApprovalDecision.Deny) }, registry);

        var result = await loop.RunAsync([new ChatMessage(ChatRole.User, "delete A1")]);

        Assert.Equal(ToolLoopStopReason.ApprovalDenied, result.StopReason);
        Assert.Equal((0, 0), (lookup.Invocations, delete.Invocations));
        Assert.Equal([ToolCallOutcome.Skipped, ToolCallOutcome.Denied], result.Steps.Select(s => s.Outcome));
        AssertEveryCallAnswered(result);
    }

    [Fact]
    public async Task The_handler_registered_in_DI_is_asked_when_the_options_name_none()
    {
        var (registry, _, delete) = Tools();
        var approvals = new RecordingApprovals(ToolApprovalDecision.Deny);
        using var services = new ServiceCollection().AddSingleton<IToolApprovalHandler>(approvals).BuildServiceProvider();
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCall("delete_order", new { id = "A1" }));
        var loop = new ToolLoopChatClient(model, registry: registry, services: services);

        var result = await loop.RunAsync([new ChatMessage(ChatRole.User, "delete A1")]);

        Assert.Equal(ToolLoopStopReason.ApprovalDenied, result.StopReason);
        Assert.Single(approvals.Requests);
        Assert.Equal(0, delete.Invocations);
    }

    [Fact]
    public async Task Without_a_handler_the_loop_suspends_before_running_anything_and_resumes_with_the_decision()
    {
        var (registry, lookup, delete) = Tools();
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCalls(ScriptedTurn.CreateToolCall("lookup_order", new { id = "A1" }, "look"), ScriptedTurn.CreateToolCall("delete_order", new { id = "A1" }, "del")).WithUsage(50, 5),
            ScriptedTurn.FromText("Deleted A1.").WithUsage(80, 5));
        var loop = new ToolLoopChatClient(model, registry: registry);

        var suspended = await loop.RunAsync([new ChatMessage(ChatRole.User, "delete A1")]);

        Assert.Equal(ToolLoopStopReason.AwaitingApproval, suspended.StopReason);
        Assert.Equal((0, 0), (lookup.Invocations, delete.Invocations)); // nothing of the turn ran
        var continuation = suspended.Continuation!;
        Assert.Equal([("look", false), ("del", true)], continuation.PendingCalls.Select(c => (c.CallId, c.NeedsApproval)));

        var resumed = await loop.ResumeAsync(continuation, new Dictionary<string, ToolApprovalDecision> { ["del"] = ToolApprovalDecision.Approve });

        Assert.Equal(ToolLoopStopReason.FinalAnswer, resumed.StopReason);
        Assert.Equal("Deleted A1.", resumed.Text);
        Assert.Equal((1, 1), (lookup.Invocations, delete.Invocations));
        Assert.Equal(2, resumed.Iterations);
        Assert.Equal(140, resumed.Usage.TotalTokenCount); // counters carry over the suspension
        Assert.Equal(["assistant", "tool", "assistant"], resumed.Messages.Select(m => m.Role.Value));
        AssertEveryCallAnswered(resumed);
    }

    [Fact]
    public async Task A_tool_marked_RequiresApproval_asks_even_when_it_is_not_destructive_and_a_destructive_one_can_opt_out()
    {
        var send = SchemaFunction.Returning("send_email", OrderSchema, _ => "sent");
        var purge = SchemaFunction.Returning("purge_cache", OrderSchema, _ => "purged");
        var approvals = new RecordingApprovals(ToolApprovalDecision.Approve);
        var registry = new ToolRegistry()
            .Add(send, new ToolMetadata { SideEffect = ToolSideEffect.Idempotent, RequiresApproval = true })
            .Add(purge, new ToolMetadata { SideEffect = ToolSideEffect.Destructive, RequiresApproval = false });
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCalls(ScriptedTurn.CreateToolCall("send_email", new { id = "1" }), ScriptedTurn.CreateToolCall("purge_cache", new { id = "1" })),
            ScriptedTurn.FromText("ok"));
        var loop = new ToolLoopChatClient(model, new ToolLoopOptions { ApprovalHandler = approvals }, registry);

        await loop.RunAsync([new ChatMessage(ChatRole.User, "go")]);

        Assert.Equal(["send_email"], approvals.Requests.Select(r => r.ToolName));
    }
}
