namespace LlmKit.Pipeline;

/// <summary>
/// Describes the stages of a built pipeline, outermost first. Resolve it with
/// <c>chatClient.GetService&lt;ChatPipelineDescription&gt;()</c> on any client built by LlmKit.
/// </summary>
/// <param name="ClientName">The named client.</param>
/// <param name="StageNames">The stage names, outermost first; the provider is not included.</param>
public sealed record ChatPipelineDescription(string ClientName, IReadOnlyList<string> StageNames);
