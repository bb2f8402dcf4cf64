using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>
/// Resumes a tool loop kept in an <see cref="IToolLoopContinuationStore"/> in one call: claims it (once, across every
/// replica), then resumes it with the person's decisions.
/// </summary>
/// <remarks>
/// The claim is what makes an approval safe to deliver twice: the first call wins and runs the approved tools, every
/// later one gets <see cref="ToolLoopResumeStatus.AlreadyClaimed"/> and runs nothing. A claim is final: a resumed loop
/// that fails (its model turn, a limit) reports it in its <see cref="ToolLoopResult"/>, and one that stops for approval
/// again returns a new <see cref="ToolLoopResult.Continuation"/> to save.
/// </remarks>
public static class StoredToolLoopExtensions
{
    /// <summary>Claims a stored tool loop and resumes it with the given decisions.</summary>
    /// <param name="client">The chat client to resume on (the same pipeline and tools as the run that suspended).</param>
    /// <param name="store">The store the loop was saved in.</param>
    /// <param name="continuationId">The id <see cref="IToolLoopContinuationStore.SaveAsync"/> returned.</param>
    /// <param name="decisions">Decisions by call id; a pending call without one goes to the approval handler, or suspends again.</param>
    /// <param name="options">The chat options; pass the same tools as the original run.</param>
    /// <param name="owner">
    /// When set, the loop must have been saved with this owner (a tenant or user id); otherwise it is refused with
    /// <see cref="ToolLoopResumeStatus.NotOwner"/> before it is claimed.
    /// </param>
    /// <param name="cancellationToken">Cancels the claim and the resumed loop.</param>
    /// <returns>The resumed loop's result, or why it was not resumed.</returns>
    public static async Task<ToolLoopResumption> ResumeStoredToolsAsync(
        this IChatClient client,
        IToolLoopContinuationStore store,
        string continuationId,
        IReadOnlyDictionary<string, ToolApprovalDecision> decisions,
        ChatOptions? options = null,
        string? owner = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(decisions);
        var (status, claimed, claimedAt) = await ClaimAsync(store, continuationId, owner, cancellationToken);
        if (claimed is null)
        {
            return new ToolLoopResumption(status, null, claimedAt);
        }

        var result = await client.ResumeToolsAsync(claimed.Continuation, decisions, options, cancellationToken);
        return new ToolLoopResumption(ToolLoopResumeStatus.Resumed, result, claimedAt);
    }

    /// <summary>Claims a stored tool loop and resumes it with the given decisions, streaming its events (for example to server-sent events).</summary>
    /// <param name="client">The chat client to resume on (the same pipeline and tools as the run that suspended).</param>
    /// <param name="store">The store the loop was saved in.</param>
    /// <param name="continuationId">The id <see cref="IToolLoopContinuationStore.SaveAsync"/> returned.</param>
    /// <param name="decisions">Decisions by call id; a pending call without one goes to the approval handler, or suspends again.</param>
    /// <param name="options">The chat options; pass the same tools as the original run.</param>
    /// <param name="owner">When set, the loop must have been saved with this owner; otherwise it is refused before it is claimed.</param>
    /// <param name="cancellationToken">Cancels the claim and the resumed loop.</param>
    /// <returns>The resumed loop's events once the claim succeeded, or why it was not resumed.</returns>
    public static async Task<ToolLoopStreamingResumption> ResumeStoredToolsStreamingAsync(
        this IChatClient client,
        IToolLoopContinuationStore store,
        string continuationId,
        IReadOnlyDictionary<string, ToolApprovalDecision> decisions,
        ChatOptions? options = null,
        string? owner = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(decisions);
        var (status, claimed, claimedAt) = await ClaimAsync(store, continuationId, owner, cancellationToken);
        return claimed is null
            ? new ToolLoopStreamingResumption(status, null, claimedAt)
            : new ToolLoopStreamingResumption(
                ToolLoopResumeStatus.Resumed, client.ResumeToolsStreamingAsync(claimed.Continuation, decisions, options, cancellationToken), claimedAt);
    }

    private static async Task<(ToolLoopResumeStatus Status, StoredToolLoopContinuation? Claimed, DateTimeOffset? ClaimedAt)> ClaimAsync(
        IToolLoopContinuationStore store, string continuationId, string? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(continuationId);
        if (owner is not null)
        {
            // Checked before the claim, so a request from someone else never uses up the owner's approval.
            var stored = await store.GetAsync(continuationId, cancellationToken);
            if (stored is null)
            {
                return (ToolLoopResumeStatus.NotFound, null, null);
            }

            if (!string.Equals(stored.Owner, owner, StringComparison.Ordinal))
            {
                return (ToolLoopResumeStatus.NotOwner, null, null);
            }
        }

        var claim = await store.TryClaimAsync(continuationId, cancellationToken);
        return claim.Status switch
        {
            ToolLoopContinuationClaimStatus.Claimed => (ToolLoopResumeStatus.Resumed, claim.Continuation, claim.ClaimedAt),
            ToolLoopContinuationClaimStatus.AlreadyClaimed => (ToolLoopResumeStatus.AlreadyClaimed, null, claim.ClaimedAt),
            ToolLoopContinuationClaimStatus.Expired => (ToolLoopResumeStatus.Expired, null, null),
            _ => (ToolLoopResumeStatus.NotFound, null, null),
        };
    }
}
