namespace LlmKit.Tools;

/// <summary>
/// One event of a streamed tool loop (<c>RunToolsStreamingAsync</c>). Each maps one to one to a server-sent event
/// named <see cref="EventName"/>.
/// </summary>
public abstract record ToolLoopEvent
{
    private protected ToolLoopEvent()
    {
    }

    /// <summary>Gets the event's name for server-sent events: <c>text-delta</c>, <c>tool-call-started</c>, <c>tool-call-finished</c>, <c>approval-requested</c> or <c>completed</c>.</summary>
    public abstract string EventName { get; }
}

/// <summary>A piece of the model's text.</summary>
/// <param name="Text">The text.</param>
public sealed record TextDeltaEvent(string Text) : ToolLoopEvent
{
    /// <inheritdoc />
    public override string EventName => "text-delta";
}

/// <summary>A tool call is about to run.</summary>
/// <param name="Iteration">The model turn.</param>
/// <param name="CallId">The call id.</param>
/// <param name="ToolName">The tool.</param>
/// <param name="Arguments">The arguments as JSON text.</param>
public sealed record ToolCallStartedEvent(int Iteration, string CallId, string ToolName, string Arguments) : ToolLoopEvent
{
    /// <inheritdoc />
    public override string EventName => "tool-call-started";
}

/// <summary>A tool call was handled (ran, failed, or was rejected before running).</summary>
/// <param name="Step">The step, with outcome, result and duration.</param>
public sealed record ToolCallFinishedEvent(ToolLoopStep Step) : ToolLoopEvent
{
    /// <inheritdoc />
    public override string EventName => "tool-call-finished";
}

/// <summary>A call needs approval; the approval handler is being asked, or the loop will suspend.</summary>
/// <param name="Request">The call.</param>
public sealed record ApprovalRequestedEvent(ToolApprovalRequest Request) : ToolLoopEvent
{
    /// <inheritdoc />
    public override string EventName => "approval-requested";
}

/// <summary>The loop stopped; always the last event.</summary>
/// <param name="Result">The loop's result.</param>
public sealed record ToolLoopCompletedEvent(ToolLoopResult Result) : ToolLoopEvent
{
    /// <inheritdoc />
    public override string EventName => "completed";
}
