namespace LlmKit.Tools;

/// <summary>
/// Decides whether a tool call that needs approval (a destructive tool, by default) may run. Register one in DI, or set
/// <see cref="ToolLoopOptions.ApprovalHandler"/>; without one the loop suspends and returns a
/// <see cref="ToolLoopContinuation"/>.
/// </summary>
public interface IToolApprovalHandler
{
    /// <summary>Decides on one call.</summary>
    /// <param name="request">The call.</param>
    /// <param name="cancellationToken">Cancels the decision.</param>
    /// <returns>The decision.</returns>
    ValueTask<ToolApprovalDecision> DecideAsync(ToolApprovalRequest request, CancellationToken cancellationToken);
}

/// <summary>A decision on a call that needs approval.</summary>
public enum ToolApprovalDecision
{
    /// <summary>The call may run.</summary>
    Approve,

    /// <summary>The call must not run; the loop stops with <see cref="ToolLoopStopReason.ApprovalDenied"/>.</summary>
    Deny,

    /// <summary>Nobody can decide now; the loop stops with <see cref="ToolLoopStopReason.AwaitingApproval"/> and a continuation.</summary>
    Suspend,
}

/// <summary>A call that needs approval, as shown to the person who decides.</summary>
/// <param name="CallId">The call id.</param>
/// <param name="ToolName">The tool.</param>
/// <param name="Arguments">The arguments as JSON text.</param>
/// <param name="Metadata">The tool's metadata (side effect, limits).</param>
/// <param name="Description">The tool's description.</param>
public sealed record ToolApprovalRequest(string CallId, string ToolName, string Arguments, ToolMetadata Metadata, string Description);
