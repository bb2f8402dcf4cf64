namespace LlmKit.Tools;

/// <summary>What calling a tool does to the world. The tool loop uses it to decide whether a person must approve a call.</summary>
public enum ToolSideEffect
{
    /// <summary>The tool only reads; calling it any number of times changes nothing.</summary>
    ReadOnly = 0,

    /// <summary>The tool changes state, but calling it again with the same arguments changes nothing more.</summary>
    Idempotent = 1,

    /// <summary>The tool changes state in a way that may not be undone (refunds, deletions, e-mails); it needs approval by default.</summary>
    Destructive = 2,
}
