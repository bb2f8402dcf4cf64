using LlmKit.Mcp.Serving;
using LlmKit.Tools;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace LlmKit.Mcp.Tests;

public partial class OrderTools
{
    private static int _refunds;

    public static int Refunds => Volatile.Read(ref _refunds);

    [LlmTool(Description = "Looks up an order by its id.", SideEffect = ToolSideEffect.ReadOnly)]
    public static string LookupOrder(int orderId) => $"order {orderId}: shipped";

    [LlmTool(Description = "Refunds an order.", SideEffect = ToolSideEffect.Destructive)]
    public static string RefundOrder(int orderId, decimal amount)
    {
        Interlocked.Increment(ref _refunds);
        return $"refunded {amount} on {orderId}";
    }

    [LlmTool(Description = "Fails.")]
    public static string Explode() => throw new InvalidOperationException("connection string Server=db;Password=hunter2");
}

/// <summary>[LlmTool] classes served over MCP keep LlmKit's checks in front of them.</summary>
public sealed class McpToolServingTests
{
    private sealed class DenyAll : IToolApprovalHandler
    {
        public ValueTask<ToolApprovalDecision> DecideAsync(ToolApprovalRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(ToolApprovalDecision.Deny);
    }

    private static async Task<(InProcessMcpServer Server, ServiceProvider Services)> Serve(bool denyApprovals = false)
    {
        var services = new ServiceCollection();
        if (denyApprovals)
        {
            services.AddSingleton<IToolApprovalHandler, DenyAll>();
        }

        var provider = services.BuildServiceProvider();
        return (await InProcessMcpServer.StartAsync(LlmKitMcpTools.Create<OrderTools>(provider)), provider);
    }

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    [Fact]
    public async Task The_client_sees_each_tool_with_annotations_from_its_side_effect()
    {
        var (server, services) = await Serve();
        await using var _ = server;
        await using var __ = services;

        var tools = (await server.Client.ListToolsAsync()).ToDictionary(t => t.Name, t => t.ProtocolTool.Annotations!);

        Assert.Equal((true, false), (tools["lookup_order"].ReadOnlyHint, tools["lookup_order"].DestructiveHint));
        Assert.Equal((false, true), (tools["refund_order"].ReadOnlyHint, tools["refund_order"].DestructiveHint));
    }

    [Fact]
    public async Task Arguments_that_break_the_schema_are_rejected_before_the_tool_runs_with_a_message_the_model_can_act_on()
    {
        var (server, services) = await Serve();
        await using var _ = server;
        await using var __ = services;

        var wrongType = await server.Client.CallToolAsync("lookup_order", new Dictionary<string, object?> { ["orderId"] = "seven" });
        var missing = await server.Client.CallToolAsync("lookup_order", new Dictionary<string, object?> { ["order"] = 7 });
        var valid = await server.Client.CallToolAsync("lookup_order", new Dictionary<string, object?> { ["orderId"] = 7 });

        Assert.True(wrongType.IsError);
        Assert.Contains("do not match its schema", Text(wrongType), StringComparison.Ordinal);
        Assert.True(missing.IsError);
        Assert.Contains("orderId", Text(missing), StringComparison.Ordinal);
        Assert.NotEqual(true, valid.IsError);
        Assert.Equal("order 7: shipped", Text(valid));
    }

    [Fact]
    public async Task A_tool_that_needs_approval_is_refused_when_the_servers_approval_handler_says_no()
    {
        var (server, services) = await Serve(denyApprovals: true);
        await using var _ = server;
        await using var __ = services;
        int before = OrderTools.Refunds;

        var refused = await server.Client.CallToolAsync("refund_order", new Dictionary<string, object?> { ["orderId"] = 7, ["amount"] = 10 });

        Assert.True(refused.IsError);
        Assert.Contains("not approved", Text(refused), StringComparison.Ordinal);
        Assert.Equal(before, OrderTools.Refunds);
    }

    [Fact]
    public async Task A_failing_tool_returns_an_error_without_its_internals()
    {
        var (server, services) = await Serve();
        await using var _ = server;
        await using var __ = services;

        var failed = await server.Client.CallToolAsync("explode", new Dictionary<string, object?>());

        Assert.True(failed.IsError);
        Assert.DoesNotContain("hunter2", Text(failed), StringComparison.Ordinal);
    }
}
