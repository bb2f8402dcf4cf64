namespace LlmKit.Tools;

/// <summary>How an attempt to resume a stored tool loop ended (<c>ResumeStoredToolsAsync</c>).</summary>
public enum ToolLoopResumeStatus
{
    /// <summary>This call claimed the loop and resumed it: the loop's own result says how it ended.</summary>
    Resumed = 0,

    /// <summary>
    /// Another call claimed the loop first (a double click, a retried request, the same approval on another replica):
    /// nothing ran, so the approved tools never run twice.
    /// </summary>
    AlreadyClaimed,

    /// <summary>The loop waited longer than its time to live; nothing ran.</summary>
    Expired,

    /// <summary>No loop has this id; nothing ran.</summary>
    NotFound,

    /// <summary>The loop belongs to another owner than the one given; it was not claimed, so its owner can still resume it.</summary>
    NotOwner,
}

/// <summary>The outcome of <c>ResumeStoredToolsAsync</c>: the resumed loop's result, or why it was not resumed.</summary>
/// <param name="Status">How the attempt ended.</param>
/// <param name="Result">The resumed loop's result, when <see cref="Status"/> is <see cref="ToolLoopResumeStatus.Resumed"/>.</param>
/// <param name="ClaimedAt">When the loop was claimed, by this call or, for <see cref="ToolLoopResumeStatus.AlreadyClaimed"/>, by the earlier one.</param>
public sealed record ToolLoopResumption(ToolLoopResumeStatus Status, ToolLoopResult? Result, DateTimeOffset? ClaimedAt)
{
    /// <summary>Gets whether this call claimed and resumed the loop.</summary>
    public bool IsResumed => Status == ToolLoopResumeStatus.Resumed;
}

/// <summary>The outcome of <c>ResumeStoredToolsStreamingAsync</c>: the resumed loop's events, or why it was not resumed.</summary>
/// <param name="Status">How the attempt ended.</param>
/// <param name="Events">
/// The resumed loop's events (the last is a <see cref="ToolLoopCompletedEvent"/>), when <see cref="Status"/> is
/// <see cref="ToolLoopResumeStatus.Resumed"/>; enumerate them once.
/// </param>
/// <param name="ClaimedAt">When the loop was claimed, by this call or, for <see cref="ToolLoopResumeStatus.AlreadyClaimed"/>, by the earlier one.</param>
public sealed record ToolLoopStreamingResumption(ToolLoopResumeStatus Status, IAsyncEnumerable<ToolLoopEvent>? Events, DateTimeOffset? ClaimedAt)
{
    /// <summary>Gets whether this call claimed the loop; <see cref="Events"/> then runs it.</summary>
    public bool IsResumed => Status == ToolLoopResumeStatus.Resumed;
}
