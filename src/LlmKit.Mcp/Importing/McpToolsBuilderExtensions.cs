using LlmKit.DependencyInjection;
using LlmKit.Mcp.Importing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers an MCP server's tools with LlmKit, their safety annotations mapped onto approval.</summary>
public static class McpToolsBuilderExtensions
{
    /// <summary>
    /// Lists the tools of a connected MCP server and registers each with the tool loop, with metadata from its
    /// annotations (<see cref="McpToolAnnotationMapper"/>): destructive tools, and tools that say nothing, need approval.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="client">A connected MCP client; it must outlive the app's use of the tools.</param>
    /// <param name="configure">Adjusts how annotations are trusted and names are prefixed.</param>
    /// <param name="cancellationToken">Cancels listing the tools.</param>
    /// <returns>The builder.</returns>
    public static async Task<LlmKitBuilder> AddMcpToolsAsync(
        this LlmKitBuilder builder, McpClient client, Action<McpToolImportOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(client);
        var tools = await client.ListToolsAsync(cancellationToken: cancellationToken);
        return builder.AddMcpTools(tools, configure);
    }

    /// <summary>Registers MCP tools listed earlier (<c>await client.ListToolsAsync()</c>) with the tool loop.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="tools">The tools.</param>
    /// <param name="configure">Adjusts how annotations are trusted and names are prefixed.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddMcpTools(this LlmKitBuilder builder, IEnumerable<McpClientTool> tools, Action<McpToolImportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var (function, metadata) in Import(tools, configure))
        {
            builder.AddTool(function, metadata);
        }

        return builder;
    }

    /// <summary>Adds MCP tools to a registry, for a <see cref="ToolLoopChatClient"/> built by hand.</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="tools">The tools.</param>
    /// <param name="configure">Adjusts how annotations are trusted and names are prefixed.</param>
    /// <returns>The registry.</returns>
    public static ToolRegistry AddMcpTools(this ToolRegistry registry, IEnumerable<McpClientTool> tools, Action<McpToolImportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var (function, metadata) in Import(tools, configure))
        {
            registry.Add(function, metadata);
        }

        return registry;
    }

    private static IEnumerable<(AIFunction Function, ToolMetadata Metadata)> Import(IEnumerable<McpClientTool> tools, Action<McpToolImportOptions>? configure)
    {
        var options = new McpToolImportOptions();
        configure?.Invoke(options);
        foreach (var tool in tools)
        {
            var metadata = options.Overrides.TryGetValue(tool.Name, out var chosen) ? chosen : McpToolAnnotationMapper.ToMetadata(tool.ProtocolTool.Annotations, options);
            AIFunction function = string.IsNullOrEmpty(options.NamePrefix) ? tool : tool.WithName(options.NamePrefix + tool.Name);
            yield return (function, metadata);
        }
    }
}
