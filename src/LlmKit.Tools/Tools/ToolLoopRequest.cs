namespace LlmKit.Tools;

/// <summary>
/// What <c>RunToolsAsync</c>, <c>ResumeToolsAsync</c> and their streaming forms ask of the tool-loop stage when they
/// enter a pipeline at its head (in <see cref="Pipeline.LlmKitCallProperties.ToolLoopRun"/>), and the holder the stage
/// puts its result in — also when the run ends in a failed model turn, which the stage reports to the stages outside it
/// as an exception.
/// </summary>
internal sealed class ToolLoopRequest
{
    public ToolLoopContinuation? Continuation { get; init; }

    public IReadOnlyDictionary<string, ToolApprovalDecision>? Decisions { get; init; }

    /// <summary>Gets a value indicating whether the stage streams every <see cref="ToolLoopEvent"/>, each as an update's <c>RawRepresentation</c>.</summary>
    public bool StreamEvents { get; init; }

    public ToolLoopResult? Result { get; set; }
}
