namespace LlmKit.Tools;

/// <summary>The defaults and bounds of <see cref="ToolLoopOptions"/>.</summary>
public static class ToolLoopConstants
{
    /// <summary>The default maximum number of model turns: 10.</summary>
    public const int DefaultMaxIterations = 10;

    /// <summary>The largest accepted <see cref="ToolLoopOptions.MaxIterations"/>: 1000.</summary>
    public const int MaxIterationsLimit = 1000;

    /// <summary>The default number of tool calls of one turn that run at the same time: 4.</summary>
    public const int DefaultMaxParallelToolCalls = 4;

    /// <summary>The default maximum number of tool calls executed from one model turn: 16.</summary>
    public const int DefaultMaxCallsPerTurn = 16;

    /// <summary>The default number of identical calls (same tool, same arguments) that counts as a loop: 3.</summary>
    public const int DefaultLoopDetectionThreshold = 3;

    /// <summary>The default longest a tool call may run: 30 seconds.</summary>
    public static readonly TimeSpan DefaultToolTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default longest result, in characters, the model sees: 16,000.</summary>
    public const int DefaultMaxResultLength = 16_000;

    /// <summary>The smallest accepted <see cref="ToolLoopOptions.MaxResultLength"/>: 64 characters.</summary>
    public const int MinResultLength = 64;

    /// <summary>The default longest arguments text, in characters, the loop binds: 32,000.</summary>
    public const int DefaultMaxArgumentsLength = 32_000;
}
