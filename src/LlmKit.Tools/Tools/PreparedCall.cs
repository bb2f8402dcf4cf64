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

    /// <summary>The arguments the tool runs with when a filter changed the model's; otherwise <see langword="null"/>.</summary>
    public IDictionary<string, object?>? InvokeArguments { get; set; }

    /// <summary>Why a filter asked the loop to stop after this call's turn.</summary>
    public string? StopDetail { get; set; }

    public void Fail(ToolCallOutcome outcome, string error)
    {
        ErrorOutcome = outcome;
        Error = error;
    }
}
