namespace LlmKit.Tools;

/// <summary>
/// Keeps suspended tool loops (<see cref="ToolLoopContinuation"/>) until a person decides, and hands each one out
/// exactly once: the first claim wins, every later one is refused, so an approval that arrives twice (a double
/// click, a retried request, two replicas) never runs the loop's tools twice. <see cref="InMemoryToolLoopContinuationStore"/>
/// serves one process; a store shared by several replicas (for example on PostgreSQL) implements the same contract.
/// </summary>
public interface IToolLoopContinuationStore
{
    /// <summary>Stores a suspended loop.</summary>
    /// <param name="continuation">The loop.</param>
    /// <param name="timeToLive">How long it may wait for a decision; it cannot be claimed after that.</param>
    /// <param name="owner">Who it belongs to (a tenant or user id), checked by the app before showing or resuming it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The id to claim it by.</returns>
    ValueTask<string> SaveAsync(ToolLoopContinuation continuation, TimeSpan timeToLive, string? owner = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a stored loop without claiming it (to show what waits for approval).</summary>
    /// <param name="id">The id from <see cref="SaveAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The stored loop, or <see langword="null"/> when there is none with that id.</returns>
    ValueTask<StoredToolLoopContinuation?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Claims a stored loop to resume it: succeeds once per loop, atomically across every replica.</summary>
    /// <param name="id">The id from <see cref="SaveAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>The claim: the loop when this call won it, otherwise why not.</returns>
    ValueTask<ToolLoopContinuationClaim> TryClaimAsync(string id, CancellationToken cancellationToken = default);
}

/// <summary>A suspended loop as a store holds it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Continuation">The loop.</param>
/// <param name="Owner">Who it belongs to.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="ExpiresAt">When it can no longer be claimed.</param>
/// <param name="ClaimedAt">When it was claimed, or <see langword="null"/> while it waits.</param>
public sealed record StoredToolLoopContinuation(
    string Id, ToolLoopContinuation Continuation, string? Owner, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? ClaimedAt);

/// <summary>How a claim ended.</summary>
public enum ToolLoopContinuationClaimStatus
{
    /// <summary>This call claimed the loop: resume it.</summary>
    Claimed = 0,

    /// <summary>Another call claimed it first; resuming again would repeat its tools.</summary>
    AlreadyClaimed,

    /// <summary>Its time to live passed before anyone claimed it.</summary>
    Expired,

    /// <summary>No loop has this id.</summary>
    NotFound,
}

/// <summary>The outcome of <see cref="IToolLoopContinuationStore.TryClaimAsync"/>.</summary>
/// <param name="Status">How the claim ended.</param>
/// <param name="Continuation">The loop, when <see cref="Status"/> is <see cref="ToolLoopContinuationClaimStatus.Claimed"/>.</param>
/// <param name="ClaimedAt">When the loop was claimed (by this call or the earlier one).</param>
public readonly record struct ToolLoopContinuationClaim(ToolLoopContinuationClaimStatus Status, StoredToolLoopContinuation? Continuation, DateTimeOffset? ClaimedAt)
{
    /// <summary>Gets whether this call won the claim.</summary>
    public bool IsClaimed => Status == ToolLoopContinuationClaimStatus.Claimed;
}
