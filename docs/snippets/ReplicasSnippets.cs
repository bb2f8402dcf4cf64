using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

public static class ReplicasSnippets
{
    public static async Task<(ToolLoopResumption First, ToolLoopResumption Replay, ToolLoopResumption Stranger)> ResumeStored()
    {
        #region replicas-resume
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("lookup_order", new { orderId = "A-42" }),
            ScriptedTurn.FromToolCall("refund_order", new { orderId = "A-42", amount = 80 }),
            ScriptedTurn.FromText("Refunded 80 on A-42."));
        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddToolLoopContinuationStore()   // in memory; AddPostgreSql() shares it between replicas
            .AddTools<OrderTools>()
            .AddChatClient("agent", model);
        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();
        var loops = app.GetRequiredService<IToolLoopContinuationStore>();

        // The request that suspends: the loop waits in the store for the person who approves it.
        ToolLoopResult suspended = await chat.RunToolsAsync("Refund order A-42");
        string id = await loops.SaveAsync(suspended.Continuation!, TimeSpan.FromHours(24), owner: "tenant-7");

        // The approval, on whichever replica it lands; the browser retries it, and someone else tries too.
        var approve = suspended.Continuation!.PendingCalls.ToDictionary(c => c.CallId, _ => ToolApprovalDecision.Approve);
        ToolLoopResumption first = await chat.ResumeStoredToolsAsync(loops, id, approve, owner: "tenant-7");
        ToolLoopResumption replay = await chat.ResumeStoredToolsAsync(loops, id, approve, owner: "tenant-7");
        ToolLoopResumption stranger = await chat.ResumeStoredToolsAsync(loops, id, approve, owner: "tenant-9");
        Console.WriteLine($"{first.Status} {first.Result!.StopReason}; {replay.Status}; {stranger.Status}");
        // Resumed FinalAnswer; AlreadyClaimed; NotOwner — the refund ran once
        #endregion
        return (first, replay, stranger);
    }
}
