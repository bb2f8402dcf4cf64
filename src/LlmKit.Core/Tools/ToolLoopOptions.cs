namespace LlmKit.Tools;

/// <summary>Placeholder replaced below.</summary>
public sealed class ToolLoopOptions
{
    /// <summary>x</summary>
    public TimeSpan? DefaultToolTimeout { get; set; }

    /// <summary>x</summary>
    public int MaxResultLength { get; set; }
}
