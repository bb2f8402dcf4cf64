namespace LlmKit.Tools;

/// <summary>
/// What the tool loop knows about a tool beyond its name and schema: its side effect, its time and result-size
/// limits and the tools it must run after. Generated tools carry it from <see cref="LlmToolAttribute"/>; any other
/// <c>AIFunction</c> gets it when registered with <c>AddTool</c>, or <see cref="Default"/>.
/// </summary>
public sealed record ToolMetadata
{
    /// <summary>Gets the metadata of a tool registered without any: idempotent, loop defaults for the limits, no ordering.</summary>
    public static ToolMetadata Default { get; } = new();

    /// <summary>Gets what calling the tool does to the world.</summary>
    /// <value>The default value is <see cref="ToolSideEffect.Idempotent"/>.</value>
    public ToolSideEffect SideEffect { get; init; } = ToolSideEffect.Idempotent;

    /// <summary>
    /// Gets whether a call needs a person's approval, overriding the rule that exactly the destructive tools do.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: approval is needed when <see cref="SideEffect"/> is <see cref="ToolSideEffect.Destructive"/>.</value>
    public bool? RequiresApproval { get; init; }

    /// <summary>Gets the longest one call may run before it is cancelled and reported to the model as timed out.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ToolLoopOptions.DefaultToolTimeout"/>.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets the longest result, in characters, the model sees; longer results are cut with a marker.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ToolLoopOptions.MaxResultLength"/>.</value>
    public int? MaxResultLength { get; init; }

    /// <summary>Gets the tools whose calls in the same turn must finish before a call of this tool starts.</summary>
    /// <value>The default value is empty.</value>
    public IReadOnlyList<string> RunsAfter { get; init; } = [];

    /// <summary>Gets whether a call of the tool needs approval.</summary>
    public bool NeedsApproval => RequiresApproval ?? SideEffect == ToolSideEffect.Destructive;
}
