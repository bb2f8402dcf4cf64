using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>One call of the current turn, from the model's request to its result.</summary>
internal sealed class PreparedCall(FunctionCallContent call, int index, string toolName)
{
    public FunctionCallContent Call { get; } = call;

    public int Index { get; } = index;

    public string ToolName { get; set; } = toolName;

    public RegisteredTool? Tool { get; set; }

    public string ArgumentsJson { get; set; } = "{}";

    public string Signature { get; set; } = toolName;

    public string? Error { get; private set; }

    public ToolCallOutcome ErrorOutcome { get; private set; }

    public bool Denied { get; set; }

    public void Fail(ToolCallOutcome outcome, string error)
    {
        ErrorOutcome = outcome;
        Error = error;
    }
}
