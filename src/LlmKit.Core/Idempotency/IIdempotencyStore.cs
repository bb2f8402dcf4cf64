namespace LlmKit.Idempotency;

/// <summary>
/// Remembers, per caller-supplied idempotency key, whether a request is running or what it answered, so that a repeated
/// request returns the first answer (or waits for it) instead of calling — and paying for — the model twice.
/// <see cref="InMemoryIdempotencyStore"/> serves one process; stores shared by several replicas (PostgreSQL, Redis)
/// implement the same contract.
/// </summary>
/// <remarks>
/// <para>
/// A key is in one of three states: absent, <em>running</em> (claimed by one caller, with a lease) or <em>completed</em>
/// (holding the answer until its retention ends). <see cref="TryBeginAsync"/> claims an absent key atomically, so of
/// any number of concurrent callers on any number of replicas exactly one runs the request. The claim's lease bounds
/// how long a caller that died keeps the key: once it has expired the key counts as absent and the next caller runs
/// the request again. Only the holder of the current claim can renew, complete or abandon it.
/// </para>
/// <para>
/// Each key stores the fingerprint of the request that claimed it, so that a key reused for a different request is
/// told apart from a repeat (the pipeline stage refuses it with <see cref="IdempotencyKeyReusedException"/>).
/// </para>
/// </remarks>
public interface IIdempotencyStore
{
    /// <summary>Claims an absent (or expired) key for the caller, or returns what the key holds.</summary>
    /// <param name="key">The key, already scoped by the caller (tenant, client).</param>
    /// <param name="fingerprint">A fingerprint of the request, stored with the claim.</param>
    /// <param name="lease">How long the claim holds unless renewed; then another caller may claim the key.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The claim when this caller got it; otherwise the running or completed state of the key.</returns>
    ValueTask<IdempotencyClaim> TryBeginAsync(string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Extends a running claim's lease (a heartbeat while the request runs).</summary>
    /// <param name="lease">The claim.</param>
    /// <param name="duration">The new lease, from now.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> while the claim is held; <see langword="false"/> when it was lost (its lease expired and another caller claimed the key).</returns>
    ValueTask<bool> RenewAsync(IdempotencyLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Stores the answer of a running claim and keeps it for <paramref name="retention"/>.</summary>
    /// <param name="lease">The claim.</param>
    /// <param name="result">The answer, as bytes.</param>
    /// <param name="retention">How long repeats get the stored answer.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when stored; <see langword="false"/> when the claim was lost first (nothing is stored).</returns>
    ValueTask<bool> CompleteAsync(IdempotencyLease lease, ReadOnlyMemory<byte> result, TimeSpan retention, CancellationToken cancellationToken = default);

    /// <summary>Drops a running claim whose request failed, so the next request with the key runs it again.</summary>
    /// <param name="lease">The claim.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the claim is gone (a claim already lost is left alone).</returns>
    ValueTask AbandonAsync(IdempotencyLease lease, CancellationToken cancellationToken = default);

    /// <summary>Reads a key's state without claiming it.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state; <see cref="IdempotencyStatus.Absent"/> for a key that is unknown or expired.</returns>
    ValueTask<IdempotencyClaim> GetAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>The state of an idempotency key.</summary>
public enum IdempotencyStatus
{
    /// <summary>No request holds the key (never used, abandoned, or expired).</summary>
    Absent = 0,

    /// <summary>This caller claimed the key and must run the request (<see cref="IdempotencyClaim.Lease"/>).</summary>
    Started,

    /// <summary>Another caller runs the request.</summary>
    Running,

    /// <summary>The request completed; <see cref="IdempotencyClaim.Result"/> holds its answer.</summary>
    Completed,
}

/// <summary>What <see cref="IIdempotencyStore.TryBeginAsync"/> or <see cref="IIdempotencyStore.GetAsync"/> found.</summary>
/// <param name="Status">The key's state.</param>
/// <param name="Fingerprint">The fingerprint of the request that holds the key (<see langword="null"/> when absent).</param>
/// <param name="Lease">This caller's claim, when <see cref="Status"/> is <see cref="IdempotencyStatus.Started"/>.</param>
/// <param name="Result">The stored answer, when <see cref="Status"/> is <see cref="IdempotencyStatus.Completed"/>.</param>
public readonly record struct IdempotencyClaim(IdempotencyStatus Status, string? Fingerprint, IdempotencyLease? Lease, ReadOnlyMemory<byte> Result)
{
    /// <summary>Gets the state of a key nobody holds.</summary>
    public static IdempotencyClaim Absent => default;
}

/// <summary>A caller's claim on a key: only its holder can renew, complete or abandon it.</summary>
/// <param name="Key">The key.</param>
/// <param name="Token">Identifies this claim among the key's successive claims.</param>
public sealed record IdempotencyLease(string Key, Guid Token);
