using LlmKit.Generators.Tests.Samples;
using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Generators.Tests;

/// <summary>
/// "Look up an order, then refund it with approval": generated tools, registered with AddTools, driven by a scripted
/// model through the DI pipeline; the refund waits for a person, the continuation crosses a process boundary as JSON.
/// </summary>
public sealed class OrderRefundEndToEndTests
{
    private static ServiceProvider App(ScriptedChatClient model, IOrderStore store, IToolApprovalHandler? approvals = null)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(store);
        if (approvals is not null)
        {
            services.AddSingleton(approvals);
        }

        services.AddLlmKit()
            .AddChatClient("support", model).LlmKit
            .AddTools<OrderTools>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    [Fact]
    public async Task Look_up_an_order_then_refund_it_after_suspend_serialize_and_resume_in_a_fresh_loop()
    {
        // Process 1: the web request. The model looks the order up, then asks for the refund; nobody can approve now.
        var model1 = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("lookup_order", new { orderId = "A-1001" }, "call_lookup").WithUsage(200, 20),
            ScriptedTurn.FromToolCall("refund_order", new { orderId = "A-1001", amount = 25.50m, reason = "arrived damaged" }, "call_refund").WithUsage(300, 30));
        var store1 = new InMemoryOrderStore();
        string stored;
        using (var app1 = App(model1, store1))
        {
            var chat = app1.GetRequiredService<IChatClient>();
            var suspended = await chat.RunToolsAsync("Order A-1001 arrived damaged, please refund 25.50 EUR.");

            Assert.Equal(ToolLoopStopReason.AwaitingApproval, suspended.StopReason);
            var lookup = Assert.Single(suspended.Steps);
            Assert.Equal(("lookup_order", ToolCallOutcome.Succeeded), (lookup.ToolName, lookup.Outcome));
            Assert.Contains("\"customer\":\"Ada\"", lookup.Result);
            Assert.Empty(store1.Refunds); // no destructive tool ran without approval
            var pending = Assert.Single(suspended.Continuation!.PendingCalls);
            Assert.Equal(("call_refund", "refund_order", true), (pending.CallId, pending.ToolName, pending.NeedsApproval));
            stored = suspended.Continuation.Serialize();
        }

        // Process 2, hours later: a fresh container, a fresh loop, the same data. A person approved the refund.
        var model2 = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("I refunded 25.50 EUR on order A-1001.").WithUsage(400, 15));
        var store2 = new InMemoryOrderStore();
        using var app2 = App(model2, store2);
        var continuation = ToolLoopContinuation.Deserialize(stored);

        var result = await app2.GetRequiredService<IChatClient>().ResumeToolsAsync(
            continuation, new Dictionary<string, ToolApprovalDecision> { ["call_refund"] = ToolApprovalDecision.Approve });

        Assert.Equal(ToolLoopStopReason.FinalAnswer, result.StopReason);
        Assert.Equal("I refunded 25.50 EUR on order A-1001.", result.Text);
        Assert.Equal(("A-1001", 25.50m, "arrived damaged"), store2.Refunds.Single());
        Assert.Equal(["lookup_order", "refund_order"], result.Steps.Select(s => s.ToolName));
        Assert.All(result.Steps, s => Assert.Equal(ToolCallOutcome.Succeeded, s.Outcome));
        Assert.Equal((3, 900L + 65L), (result.Iterations, result.Usage.TotalTokenCount));

        // The resumed model saw the whole conversation: the user, both calls and both results, in order.
        var seen = model2.Requests.Single().Messages;
        Assert.Equal(["user", "assistant", "tool", "assistant", "tool"], seen.Select(m => m.Role.Value));
        var refundResult = seen[^1].Contents.OfType<FunctionResultContent>().Single();
        Assert.Equal("call_refund", refundResult.CallId);
        Assert.Contains("Refunded 25.50 EUR on order A-1001.", refundResult.Result!.ToString());
    }

    [Fact]
    public async Task A_person_who_denies_the_refund_on_resume_stops_the_loop_and_no_money_moves()
    {
        var model1 = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("refund_order", new { orderId = "A-1001", amount = 25.50m }, "call_refund"));
        using var app1 = App(model1, new InMemoryOrderStore());
        var suspended = await app1.GetRequiredService<IChatClient>().RunToolsAsync("Refund A-1001");
        var store2 = new InMemoryOrderStore();
        using var app2 = App(new ScriptedChatClient(), store2);

        var result = await app2.GetRequiredService<IChatClient>().ResumeToolsAsync(
            ToolLoopContinuation.Deserialize(suspended.Continuation!.Serialize()),
            new Dictionary<string, ToolApprovalDecision> { ["call_refund"] = ToolApprovalDecision.Deny });

        Assert.Equal(ToolLoopStopReason.ApprovalDenied, result.StopReason);
        Assert.Equal(ToolCallOutcome.Denied, result.Steps.Single().Outcome);
        Assert.Empty(store2.Refunds);
    }

    [Fact]
    public async Task With_an_approval_handler_the_same_flow_finishes_in_one_run_and_the_model_order_is_corrected()
    {
        var approvals = new ApproveAll();
        var store = new InMemoryOrderStore();

        // The model emits the refund before the lookup in one turn; the runs-after constraint puts the lookup first.
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCalls(
                ScriptedTurn.CreateToolCall("refund_order", new { orderId = "A-1001", amount = 10 }, "r"),
                ScriptedTurn.CreateToolCall("lookup_order", new { orderId = "A-1001" }, "l")),
            ScriptedTurn.FromText("Done."));
        using var app = App(model, store, approvals);

        var result = await app.GetRequiredService<IChatClient>().RunToolsAsync("Refund 10 EUR on A-1001");

        Assert.Equal(ToolLoopStopReason.FinalAnswer, result.StopReason);
        Assert.Equal(["refund_order"], approvals.Asked);
        Assert.Equal(("A-1001", 10m, (string?)null), store.Refunds.Single());
        var lookupResult = result.Steps.Single(s => s.ToolName == "lookup_order").Result;
        Assert.Contains("\"status\":\"Shipped\"", lookupResult); // read before the refund changed it
    }

    [Fact]
    public async Task A_refund_above_the_order_total_fails_without_leaking_the_exception_to_the_model()
    {
        var model = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromToolCall("refund_order", new { orderId = "A-1001", amount = 5000 }),
            ScriptedTurn.FromText("I could not refund that."));
        var store = new InMemoryOrderStore();
        using var app = App(model, store, new ApproveAll());

        var result = await app.GetRequiredService<IChatClient>().RunToolsAsync("Refund 5000");

        var step = Assert.Single(result.Steps);
        Assert.Equal(ToolCallOutcome.Failed, step.Outcome);
        Assert.DoesNotContain("exceeds", step.Result);
        Assert.Empty(store.Refunds);
    }

    private sealed class ApproveAll : IToolApprovalHandler
    {
        public List<string> Asked { get; } = [];

        public ValueTask<ToolApprovalDecision> DecideAsync(ToolApprovalRequest request, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add(request.ToolName);
            }

            return ValueTask.FromResult(ToolApprovalDecision.Approve);
        }
    }
}
