using LlmKit.Tools;

namespace LlmKit.Mcp.Importing;

/// <summary>How an MCP server's tools become LlmKit tools (<c>AddMcpTools</c>, <c>AddMcpToolsAsync</c>).</summary>
public sealed class McpToolImportOptions
{
    /// <summary>
    /// Gets or sets whether the server's safety annotations are believed. When <see langword="false"/>, every tool of
    /// the server needs approval whatever it claims: use it for servers you do not control, because a server can mark
    /// a destructive tool read-only.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool TrustAnnotations { get; set; } = true;

    /// <summary>
    /// Gets or sets whether tools that reach outside the server's own world (<c>openWorldHint</c> true or absent: web
    /// access, e-mail, third-party APIs) need approval even when they are not destructive.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ApproveOpenWorldTools { get; set; }

    /// <summary>Gets or sets a prefix added to every tool name, so two servers (or a server and your own tools) cannot clash.</summary>
    /// <value>The default value is <see langword="null"/>: the server's names.</value>
    public string? NamePrefix { get; set; }

    /// <summary>Gets metadata that replaces the mapped metadata of named tools (by the server's tool name).</summary>
    /// <value>The default value is empty. Code only.</value>
    public IDictionary<string, ToolMetadata> Overrides { get; } = new Dictionary<string, ToolMetadata>(StringComparer.Ordinal);
}
