using LlmKit.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace LlmKit.Mcp.Serving;

/// <summary>Serves LlmKit tools (<see cref="LlmToolAttribute"/> classes, any registered tool) as an MCP server's tools.</summary>
public static class LlmKitMcpTools
{
    /// <summary>Creates MCP server tools for the generated tools of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A partial class with <see cref="LlmToolAttribute"/> methods.</typeparam>
    /// <param name="services">
    /// Services for the tools (instance methods resolve <typeparamref name="T"/> from a scope per call), the limits
    /// (<c>IOptions&lt;ToolLoopOptions&gt;</c>, bound from <c>LlmKit:ToolLoop</c> when the tool loop is registered) and an
    /// optional <see cref="IToolApprovalHandler"/> for tools that need approval.
    /// </param>
    /// <returns>The tools, in declaration order.</returns>
    public static IReadOnlyList<McpServerTool> Create<T>(IServiceProvider services)
        where T : class, ILlmToolSet
    {
        ArgumentNullException.ThrowIfNull(services);
        return Create(T.GetLlmTools().Select(RegisteredTool.From), services);
    }

    /// <summary>Creates MCP server tools for registered tools.</summary>
    /// <param name="tools">The tools with their metadata.</param>
    /// <param name="services">Services for the tools, the limits and an optional approval handler.</param>
    /// <returns>The tools.</returns>
    public static IReadOnlyList<McpServerTool> Create(IEnumerable<RegisteredTool> tools, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var limits = services?.GetService<IOptions<ToolLoopOptions>>()?.Value ?? new ToolLoopOptions();
        return tools.Select(t => (McpServerTool)new LlmKitMcpServerTool(t, limits, services)).ToList();
    }

    /// <summary>Adds the generated tools of <typeparamref name="T"/> to an MCP server's options.</summary>
    /// <typeparam name="T">A partial class with <see cref="LlmToolAttribute"/> methods.</typeparam>
    /// <param name="options">The server options.</param>
    /// <param name="services">Services for the tools.</param>
    /// <returns>The options.</returns>
    public static McpServerOptions AddLlmKitTools<T>(this McpServerOptions options, IServiceProvider services)
        where T : class, ILlmToolSet
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ToolCollection ??= [];
        foreach (var tool in Create<T>(services))
        {
            options.ToolCollection.Add(tool);
        }

        return options;
    }
}
