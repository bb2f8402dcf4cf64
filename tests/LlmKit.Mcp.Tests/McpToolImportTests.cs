using LlmKit.Mcp.Importing;
using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace LlmKit.Mcp.Tests;

/// <summary>An MCP server's annotations decide which of its tools need approval in LlmKit's tool loop.</summary>
public sealed class McpToolImportTests
{
    private readonly List<string> _ran = [];

    private McpServerTool[] ServerTools() =>
    [
        McpServerTool.Create((string path) => { Ran("read_file"); return $"contents of {path}"; },
            new McpServerToolCreateOptions { Name = "read_file", ReadOnly = true, OpenWorld = false }),
        McpServerTool.Create((string path) => { Ran("delete_file"); return "deleted"; },
            new McpServerToolCreateOptions { Name = "delete_file", ReadOnly = false, Destructive = true, OpenWorld = false }),
        McpServerTool.Create((string note) => { Ran("append_note"); return "appended"; },
            new McpServerToolCreateOptions { Name = "append_note", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false }),
        McpServerTool.Create((string path) => { Ran("touch_file"); return "touched"; },
            new McpServerToolCreateOptions { Name = "touch_file" }),
    ];

    private void Ran(string name)
    {
        lock (_ran)
        {
            _ran.Add(name);
        }
    }

    [Fact]
    public async Task A_destructive_tool_suspends_for_approval_and_read_only_tools_run_at_once()
    {
        await using var server = await InProcessMcpServer.StartAsync(ServerTools());
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCalls(
            ScriptedTurn.CreateToolCall("read_file", new { path = "a.txt" }, "c1"),
            ScriptedTurn.CreateToolCall("delete_file", new { path = "a.txt" }, "c2")));
        var services = new ServiceCollection();
        await services.AddLlmKit().AddChatClient("main", model).LlmKit.AddMcpToolsAsync(server.Client);
        await using var provider = services.BuildServiceProvider();

        var run = await provider.GetRequiredService<IChatClient>().RunToolsAsync("Tidy up a.txt");

        Assert.Equal(ToolLoopStopReason.AwaitingApproval, run.StopReason);
        Assert.Empty(_ran); // a suspended turn runs nothing, not even the read
        var pending = run.Continuation!.PendingCalls.ToDictionary(c => c.ToolName, c => c.NeedsApproval);
        Assert.Equal(new Dictionary<string, bool> { ["read_file"] = false, ["delete_file"] = true }, pending);

        model.Enqueue(ScriptedTurn.FromText("Deleted."));
        var resumed = await provider.GetRequiredService<IChatClient>().ResumeToolsAsync(run.Continuation, new Dictionary<string, ToolApprovalDecision> { ["c2"] = ToolApprovalDecision.Approve });

        Assert.Equal(ToolLoopStopReason.FinalAnswer, resumed.StopReason);
        Assert.Equal(["delete_file", "read_file"], _ran.Order());
        Assert.Contains("contents of a.txt", resumed.Steps.Single(s => s.ToolName == "read_file").Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_annotation_maps_to_a_side_effect_and_missing_ones_to_the_safe_side()
    {
        await using var server = await InProcessMcpServer.StartAsync(ServerTools());
        var tools = await server.Client.ListToolsAsync();
        var registry = new ToolRegistry().AddMcpTools(tools);
        var untrusting = new ToolRegistry().AddMcpTools(tools, o => { o.TrustAnnotations = false; o.NamePrefix = "fs_"; });

        var mapped = registry.Tools.ToDictionary(t => t.Function.Name, t => (t.Metadata.SideEffect, t.Metadata.NeedsApproval));
        Assert.Equal((ToolSideEffect.ReadOnly, false), mapped["read_file"]);
        Assert.Equal((ToolSideEffect.Destructive, true), mapped["delete_file"]);
        Assert.Equal((ToolSideEffect.Idempotent, false), mapped["append_note"]);
        Assert.Equal((ToolSideEffect.Destructive, true), mapped["touch_file"]); // no hints: the spec's defaults, destructive
        Assert.All(untrusting.Tools, t => Assert.True(t.Metadata.NeedsApproval));
        Assert.Contains(untrusting.Tools, t => t.Function.Name == "fs_read_file");
    }

    [Theory]
    [InlineData(null, null, null, null, false, ToolSideEffect.Destructive, true)]
    [InlineData(true, null, null, null, false, ToolSideEffect.ReadOnly, false)]
    [InlineData(false, false, true, false, false, ToolSideEffect.Idempotent, false)]
    [InlineData(false, true, true, false, false, ToolSideEffect.Destructive, true)]
    [InlineData(true, null, null, true, true, ToolSideEffect.ReadOnly, true)]     // open world, and the app asked to approve those
    [InlineData(true, null, null, false, true, ToolSideEffect.ReadOnly, false)]
    public void The_mapping_follows_the_specification_defaults(
        bool? readOnly, bool? destructive, bool? idempotent, bool? openWorld, bool approveOpenWorld, ToolSideEffect expected, bool approval)
    {
        var annotations = new ToolAnnotations { ReadOnlyHint = readOnly, DestructiveHint = destructive, IdempotentHint = idempotent, OpenWorldHint = openWorld };

        var metadata = McpToolAnnotationMapper.ToMetadata(annotations, new McpToolImportOptions { ApproveOpenWorldTools = approveOpenWorld });

        Assert.Equal((expected, approval), (metadata.SideEffect, metadata.NeedsApproval));
    }
}
