namespace LlmKit.Budgets;

/// <summary>
/// Holds budget state — reservations, settled usage per window, day and request — and admits or refuses
/// reservations atomically. <see cref="InMemoryBudgetStore"/> serves one process; a store shared by several app
/// instances (for example on PostgreSQL) implements the same contract.
/// </summary>
/// <remarks>
/// The contract that makes concurrent calls unable to overspend: <see cref="TryReserveAsync"/> checks every limit
/// and records the reservation in one atomic step, and a reservation counts against its budgets until it is settled
/// or released. Every reservation is settled or released exactly once; a second settle or release is a no-op.
/// <para>
/// A reservation carries a lease (<see cref="BudgetReservationRequest.Lease"/>): when its caller dies before settling
/// (a replica killed mid-call), the store reclaims it once <see cref="BudgetReservation.ExpiresAt"/> has passed, so the
/// budget is not held forever. Settling a reclaimed reservation still records the actual usage: the call happened.
/// </para>
/// <para>
/// Tokens per minute are counted in a sliding minute. A store shared by several processes may approximate the
/// sliding minute with the previous fixed minute weighted by how much of it is still inside the window (the
/// "sliding window counter"); it never admits more than the limit in any fixed minute.
/// </para>
/// </remarks>
public interface IBudgetStore
{
    /// <summary>Reserves a call's estimated maximum if every limit admits it.</summary>
    /// <param name="request">What to reserve, against which limits, and the current time.</param>
    /// <param name="cancellationToken">Cancels the attempt; nothing is reserved then.</param>
    /// <returns>The reservation, or the first limit that refused it.</returns>
    ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservationRequest request, CancellationToken cancellationToken);

    /// <summary>Replaces a reservation by the call's actual usage.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="tokens">The tokens actually used.</param>
    /// <param name="cost">The actual cost in US dollars.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the usage is recorded.</returns>
    ValueTask SettleAsync(BudgetReservation reservation, long tokens, decimal cost, CancellationToken cancellationToken);

    /// <summary>Drops a reservation whose call failed or was cancelled.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the reservation is gone.</returns>
    ValueTask ReleaseAsync(BudgetReservation reservation, CancellationToken cancellationToken);
}

/// <summary>What the budget stage asks a store to reserve.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="RequestId">The caller's request id, for per-request budgets.</param>
/// <param name="Tokens">The estimated maximum tokens (prompt plus maximum output).</param>
/// <param name="Cost">The estimated maximum cost in US dollars.</param>
/// <param name="Limits">The limits that apply to the tenant.</param>
/// <param name="Now">The current time.</param>
public sealed record BudgetReservationRequest(string Tenant, string? RequestId, long Tokens, decimal Cost, BudgetLimits Limits, DateTimeOffset Now)
{
    /// <summary>
    /// Gets how long the reservation may stay open before the store reclaims it as abandoned (its caller died).
    /// </summary>
    /// <value>The default value is <see cref="BudgetConstants.DefaultReservationLease"/> (10 minutes).</value>
    public TimeSpan Lease { get; init; } = BudgetConstants.DefaultReservationLease;
}

/// <summary>An admitted reservation, to settle or release later.</summary>
/// <param name="Id">The store's id for it.</param>
/// <param name="Tenant">The tenant.</param>
/// <param name="RequestId">The caller's request id, if any.</param>
/// <param name="Tokens">The reserved tokens.</param>
/// <param name="Cost">The reserved cost in US dollars.</param>
/// <param name="ReservedAt">When it was reserved; its usage counts in the token window from then.</param>
public sealed record BudgetReservation(long Id, string Tenant, string? RequestId, long Tokens, decimal Cost, DateTimeOffset ReservedAt)
{
    /// <summary>Gets when the store may reclaim the reservation if it has been neither settled nor released.</summary>
    public DateTimeOffset ExpiresAt { get; init; } = DateTimeOffset.MaxValue;

    /// <summary>
    /// Gets whether the store could not be reached and the call was let through unmetered (the store's fail-open
    /// setting); settling or releasing it records nothing.
    /// </summary>
    public bool IsUnmetered { get; init; }
}

/// <summary>Why a store refused a reservation.</summary>
/// <param name="Budget">The budget that refused it.</param>
/// <param name="Limit">The limit.</param>
/// <param name="Used">What was used or reserved already in the budget's period (settled plus <see cref="Reserved"/>).</param>
/// <param name="Requested">What the reservation asked for.</param>
/// <param name="ResetsAt">When enough frees up, or <see langword="null"/> when waiting will not help.</param>
public sealed record BudgetDenial(BudgetKind Budget, decimal Limit, decimal Used, decimal Requested, DateTimeOffset? ResetsAt)
{
    /// <summary>Gets the part of <see cref="Used"/> held by in-flight reservations that have not settled yet.</summary>
    public decimal Reserved { get; init; }

    /// <summary>
    /// Gets whether the budget is not spent but only held: the call would fit if the in-flight reservations settled
    /// at nothing. Waiting for them (at the latest until their leases expire) may admit it; for a spent budget only
    /// <see cref="ResetsAt"/> helps.
    /// </summary>
    public bool IsHeldByReservations => Reserved > 0 && Used - Reserved + Requested <= Limit;
}

/// <summary>The outcome of <see cref="IBudgetStore.TryReserveAsync"/>: a reservation or a denial.</summary>
/// <param name="Reservation">The reservation, when admitted.</param>
/// <param name="Denial">The reason, when refused.</param>
public readonly record struct BudgetReservationResult(BudgetReservation? Reservation, BudgetDenial? Denial)
{
    /// <summary>Gets a value indicating whether the reservation was admitted.</summary>
    public bool IsAdmitted => Reservation is not null;
}
