using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

#region tools-define
public sealed record Order(string Id, decimal Total, string Status);

// The [LlmTool] source generator makes this class an ILlmToolSet: one typed AIFunction per method,
// with a JSON schema built at compile time. Tool names are snake_case without "Async".
public partial class OrderTools
{
    public List<string> Refunded { get; } = [];

    [LlmTool(Description = "Looks up an order by its id.")]
    public Task<Order?> LookupOrderAsync(string orderId, CancellationToken ct) =>
        Task.FromResult<Order?>(orderId == "A-42" ? new Order("A-42", 80m, "delivered") : null);

    [LlmTool(Description = "Refunds part or all of an order.", SideEffect = ToolSideEffect.Destructive,
             RunsAfter = ["lookup_order"], TimeoutSeconds = 10)]
    public string RefundOrder(string orderId, decimal amount)
    {
        Refunded.Add($"{orderId}:{amount}");
        return $"Refunded {amount} on {orderId}.";
    }
}
#endregion

public static class ToolsSnippets
{
    public static async Task<ToolLoopResult> RunTools()
    {
        #region tools-run
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("lookup_order", new { orderId = "A-42" }),
            ScriptedTurn.FromText("Order A-42 was delivered; it cost 80."));

        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddTools<OrderTools>()                     // also adds the tool-loop stage
            .UseToolLoop(o => { o.MaxIterations = 5; o.MaxTotalTokens = 20_000; })
            .AddChatClient("agent", model);
        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();

        ToolLoopResult run = await chat.RunToolsAsync("Where is order A-42?");

        Console.WriteLine(run.StopReason);          // FinalAnswer
        Console.WriteLine(run.Text);                // Order A-42 was delivered; it cost 80.
        foreach (var step in run.Steps)
        {
            Console.WriteLine($"{step.ToolName}({step.Arguments}) -> {step.Outcome} in {step.Duration.TotalMilliseconds} ms");
        }
        #endregion
        return run;
    }

    public static async Task<(ToolLoopResult Suspended, ToolLoopResult Resumed)> Approval()
    {
        #region tools-approval
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("lookup_order", new { orderId = "A-42" }),
            ScriptedTurn.FromToolCall("refund_order", new { orderId = "A-42", amount = 80 }),
            ScriptedTurn.FromText("Refunded 80 on A-42."));
        var services = new ServiceCollection();
        services.AddLlmKit().AddTools<OrderTools>().AddChatClient("agent", model);
        using var app = services.BuildServiceProvider();
        var chat = app.GetRequiredService<IChatClient>();

        // refund_order is Destructive, so it needs approval. No IToolApprovalHandler is registered:
        // the loop stops before running it and hands back a serializable continuation.
        ToolLoopResult suspended = await chat.RunToolsAsync("Refund order A-42");
        Console.WriteLine(suspended.StopReason);                        // AwaitingApproval
        string saved = suspended.Continuation!.Serialize();             // store it; ask a human

        var continuation = ToolLoopContinuation.Deserialize(saved);
        var decisions = continuation.PendingCalls.ToDictionary(c => c.CallId, _ => ToolApprovalDecision.Approve);
        ToolLoopResult resumed = await chat.ResumeToolsAsync(continuation, decisions);
        Console.WriteLine(resumed.StopReason);                          // FinalAnswer
        #endregion
        return (suspended, resumed);
    }
}
