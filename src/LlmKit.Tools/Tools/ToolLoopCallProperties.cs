using LlmKit.Pipeline;

namespace LlmKit.Tools;

/// <summary>
/// The tool loop's keys in <c>AdditionalProperties</c>, next to the types they carry (the other <c>llmkit.*</c> keys are
/// in <see cref="LlmKitCallProperties"/>).
/// </summary>
public static class ToolLoopCallProperties
{
    /// <summary>On a response or update: the tool loop's result: <c>llmkit.tool_loop_result</c>.</summary>
    public static readonly LlmKitPropertyKey<ToolLoopResult> ToolLoopResult = new("llmkit.tool_loop_result");
}
