using System.ComponentModel.DataAnnotations;

namespace LlmKit.Tools;

/// <summary>
/// The limits and policies of the tool loop (<see cref="ToolLoopChatClient"/> and <c>RunToolsAsync</c>). Validated
/// when the host starts.
/// </summary>
public sealed class ToolLoopOptions : LlmKit.DependencyInjection.IValidatableOptions
{
    /// <summary>Gets or sets the maximum number of model turns one loop makes.</summary>
    /// <value>The default value is 10. Valid values are 1 to 1000.</value>
    /// <remarks>When the model still asks for tools after this many turns, the loop stops with <see cref="ToolLoopStopReason.IterationLimit"/>.</remarks>
    [Range(1, ToolLoopConstants.MaxIterationsLimit)]
    public int MaxIterations { get; set; } = ToolLoopConstants.DefaultMaxIterations;

    /// <summary>Gets or sets the most tokens (input plus output, summed over every turn) one loop may use.</summary>
    /// <value>The default value is <see langword="null"/>: no cap. Valid values are 1 or more.</value>
    /// <remarks>Checked after each model turn: a turn that crosses the cap has its tool calls left unexecuted.</remarks>
    public long? MaxTotalTokens { get; set; }

    /// <summary>Gets or sets the most one loop may cost, in US dollars.</summary>
    /// <value>The default value is <see langword="null"/>: no cap. Valid values are greater than 0.</value>
    /// <remarks>
    /// The cost cap needs an <see cref="Models.IModelCatalog"/> registered in DI (or given to the loop) to price each
    /// turn's usage; the pipeline refuses to build without one. Turns whose model the catalog does not know are
    /// logged and count as zero.
    /// </remarks>
    public decimal? MaxCost { get; set; }

    /// <summary>Gets or sets the longest one loop may run, measured with the <see cref="TimeProvider"/>.</summary>
    /// <value>The default value is <see langword="null"/>: no cap.</value>
    /// <remarks>A model turn or tool call still running at the deadline is cancelled; the loop stops with <see cref="ToolLoopStopReason.TimeLimit"/>.</remarks>
    public TimeSpan? MaxWallTime { get; set; }

    /// <summary>Gets or sets how many independent tool calls of one turn run at the same time.</summary>
    /// <value>The default value is 4. Valid values are 1 to 64.</value>
    [Range(1, 64)]
    public int MaxParallelToolCalls { get; set; } = ToolLoopConstants.DefaultMaxParallelToolCalls;

    /// <summary>Gets or sets how many tool calls of one model turn are executed; the rest get an error result.</summary>
    /// <value>The default value is 16. Valid values are 1 to 1000.</value>
    [Range(1, 1000)]
    public int MaxCallsPerTurn { get; set; } = ToolLoopConstants.DefaultMaxCallsPerTurn;

    /// <summary>Gets or sets how many identical calls (same tool, same arguments) in one loop count as a loop.</summary>
    /// <value>The default value is 3. Valid values are 2 to 100.</value>
    /// <remarks>The call that reaches the threshold is not executed; the loop stops with <see cref="ToolLoopStopReason.LoopDetected"/>.</remarks>
    [Range(2, 100)]
    public int LoopDetectionThreshold { get; set; } = ToolLoopConstants.DefaultLoopDetectionThreshold;

    /// <summary>Gets or sets the longest a tool call may run when its <see cref="ToolMetadata.Timeout"/> is unset.</summary>
    /// <value>The default value is 30 seconds. <see langword="null"/> means no timeout.</value>
    public TimeSpan? DefaultToolTimeout { get; set; } = ToolLoopConstants.DefaultToolTimeout;

    /// <summary>Gets or sets the longest tool result, in characters, the model sees when the tool's <see cref="ToolMetadata.MaxResultLength"/> is unset.</summary>
    /// <value>The default value is 16,000. Valid values are 64 or more.</value>
    [Range(ToolLoopConstants.MinResultLength, int.MaxValue)]
    public int MaxResultLength { get; set; } = ToolLoopConstants.DefaultMaxResultLength;

    /// <summary>Gets or sets the longest arguments text, in characters, the loop binds; longer arguments get an error result.</summary>
    /// <value>The default value is 32,000. Valid values are 2 or more.</value>
    [Range(2, int.MaxValue)]
    public int MaxArgumentsLength { get; set; } = ToolLoopConstants.DefaultMaxArgumentsLength;

    /// <summary>
    /// Gets or sets whether tool output is wrapped in a <c>&lt;tool-output trust="untrusted"&gt;</c> envelope, so that the
    /// model (and a system prompt that says so) can tell data from instructions.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool MarkToolOutputAsUntrusted { get; set; } = true;

    /// <summary>
    /// Gets or sets the handler asked before a call that needs approval. When it is <see langword="null"/>, the handler
    /// registered in DI is used; without either, the loop suspends with a continuation.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IToolApprovalHandler? ApprovalHandler { get; set; }

    /// <summary>Returns the problems with these options, each naming its setting; empty when they are valid.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate() => LlmKit.DependencyInjection.OptionsValidation.Validate(this, nameof(ToolLoopOptions));

    /// <summary>The rules DataAnnotations cannot state.</summary>
    IEnumerable<string> LlmKit.DependencyInjection.IValidatableOptions.Validate(string section)
    {
        if (MaxTotalTokens is < 1)
        {
            yield return $"{section}:MaxTotalTokens must be at least 1 when set, but was {MaxTotalTokens}.";
        }

        if (MaxCost is <= 0)
        {
            yield return $"{section}:MaxCost must be greater than 0 when set, but was {MaxCost}.";
        }

        if (MaxWallTime is { } wall && wall <= TimeSpan.Zero)
        {
            yield return $"{section}:MaxWallTime must be positive when set, but was {wall}.";
        }

        if (DefaultToolTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            yield return $"{section}:DefaultToolTimeout must be positive when set, but was {timeout}.";
        }
    }

    internal ToolLoopOptions Clone() => (ToolLoopOptions)MemberwiseClone();
}
