using LlmKit.Tools;
using ModelContextProtocol.Protocol;

namespace LlmKit.Mcp.Importing;

/// <summary>
/// Maps an MCP tool's annotations (<c>readOnlyHint</c>, <c>destructiveHint</c>, <c>idempotentHint</c>,
/// <c>openWorldHint</c>) onto LlmKit's <see cref="ToolMetadata"/>, so the tool loop asks for approval exactly where the
/// server says a call may destroy something, and wherever it says nothing.
/// </summary>
/// <remarks>
/// The MCP specification's own defaults apply to a missing hint (read-only false, destructive true, idempotent false,
/// open-world true), which are the safe side: a tool with no annotations is destructive and needs approval.
/// <list type="table">
/// <listheader><term>annotations</term><description>LlmKit</description></listheader>
/// <item><term><c>readOnlyHint: true</c></term><description><see cref="ToolSideEffect.ReadOnly"/>, no approval</description></item>
/// <item><term><c>destructiveHint: false</c>, <c>idempotentHint: true</c></term><description><see cref="ToolSideEffect.Idempotent"/>, no approval</description></item>
/// <item><term><c>destructiveHint: false</c> (additive updates)</term><description><see cref="ToolSideEffect.Idempotent"/> (LlmKit's closest), no approval</description></item>
/// <item><term><c>destructiveHint</c> true or absent, or no annotations</term><description><see cref="ToolSideEffect.Destructive"/>, approval</description></item>
/// </list>
/// </remarks>
public static class McpToolAnnotationMapper
{
    /// <summary>Returns the metadata for a tool with these annotations.</summary>
    /// <param name="annotations">The tool's annotations, or <see langword="null"/>.</param>
    /// <param name="options">The import options; defaults when omitted.</param>
    /// <returns>The metadata.</returns>
    public static ToolMetadata ToMetadata(ToolAnnotations? annotations, McpToolImportOptions? options = null)
    {
        options ??= new McpToolImportOptions();
        if (!options.TrustAnnotations || annotations is null)
        {
            return new ToolMetadata { SideEffect = ToolSideEffect.Destructive };
        }

        var sideEffect = annotations.ReadOnlyHint == true ? ToolSideEffect.ReadOnly
            : annotations.DestructiveHint == false ? ToolSideEffect.Idempotent
            : ToolSideEffect.Destructive;
        bool openWorld = annotations.OpenWorldHint != false;
        return new ToolMetadata
        {
            SideEffect = sideEffect,
            RequiresApproval = options.ApproveOpenWorldTools && openWorld && sideEffect != ToolSideEffect.Destructive ? true : null,
        };
    }

    /// <summary>Returns the annotations that describe an LlmKit tool's metadata to MCP clients.</summary>
    /// <param name="metadata">The metadata.</param>
    /// <param name="title">A human-readable title, if any.</param>
    /// <returns>The annotations.</returns>
    public static ToolAnnotations ToAnnotations(ToolMetadata metadata, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new ToolAnnotations
        {
            Title = title,
            ReadOnlyHint = metadata.SideEffect == ToolSideEffect.ReadOnly,
            DestructiveHint = metadata.SideEffect == ToolSideEffect.Destructive || metadata.NeedsApproval,
            IdempotentHint = metadata.SideEffect != ToolSideEffect.Destructive,
        };
    }
}
