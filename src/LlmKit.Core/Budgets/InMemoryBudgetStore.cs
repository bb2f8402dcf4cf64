using System.Collections.Concurrent;

namespace LlmKit.Budgets;

/// <summary>
/// Budget state in process memory: one lock per tenant, a sliding token window, a per-UTC-day cost and per-request
/// costs. Thread-safe; for one app instance (several instances need a shared store).
/// </summary>
/// <remarks>
/// Reservations whose lease has expired are reclaimed lazily, when the tenant's next reservation is checked, and
/// counted in <see cref="ReclaimedCount"/>.
/// </remarks>
public sealed class InMemoryBudgetStore : IBudgetStore
{
    /// <summary>How long a request id's spend is remembered after its last call: one day.</summary>
    public static readonly TimeSpan RequestRetention = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, TenantState> _tenants = new(StringComparer.Ordinal);
    private long _nextId;
    private long _reclaimed;

    /// <summary>Gets how many reservations were reclaimed because their lease expired before they were settled.</summary>
    public long ReclaimedCount => Interlocked.Read(ref _reclaimed);

    /// <inheritdoc />
    public ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var state = _tenants.GetOrAdd(request.Tenant, static _ => new TenantState());
        lock (state)
        {
            Interlocked.Add(ref _reclaimed, state.Advance(request.Now));
            var limits = request.Limits;
            if (limits.TokensPerMinute is { } tokenLimit && state.WindowTokens + request.Tokens > tokenLimit)
            {
                var denial = new BudgetDenial(BudgetKind.TokensPerMinute, tokenLimit, state.WindowTokens, request.Tokens,
                    state.WindowFreesAt(state.WindowTokens + request.Tokens - tokenLimit, request.Tokens <= tokenLimit))
                {
                    Reserved = state.ReservedWindowTokens,
                };
                return Deny(state.WithLeaseBound(denial));
            }

            if (limits.CostPerDay is { } dayLimit && state.DayCost + request.Cost > dayLimit)
            {
                DateTimeOffset? midnight = request.Cost <= dayLimit
                    ? new DateTimeOffset(state.Day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                    : null;
                var denial = new BudgetDenial(BudgetKind.CostPerDay, dayLimit, state.DayCost, request.Cost, midnight) { Reserved = state.ReservedDayCost };
                return Deny(state.WithLeaseBound(denial));
            }

            RequestSpend? spend = null;
            if (request.RequestId is { } requestId)
            {
                spend = state.Requests.GetValueOrDefault(requestId);
                if (limits.CostPerRequest is { } requestLimit && (spend?.Cost ?? 0) + request.Cost > requestLimit)
                {
                    return Deny(state.WithLeaseBound(
                        new BudgetDenial(BudgetKind.CostPerRequest, requestLimit, spend?.Cost ?? 0, request.Cost, null) { Reserved = spend?.Reserved ?? 0 }));
                }
            }

            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(request.Lease, TimeSpan.Zero, nameof(request));
            var reservation = new BudgetReservation(Interlocked.Increment(ref _nextId), request.Tenant, request.RequestId,
                request.Tokens, request.Cost, request.Now)
            {
                ExpiresAt = request.Now + request.Lease,
            };
            state.Add(reservation, spend);
            return ValueTask.FromResult(new BudgetReservationResult(reservation, null));
        }
    }

    /// <inheritdoc />
    public ValueTask SettleAsync(BudgetReservation reservation, long tokens, decimal cost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        Replace(reservation, tokens, cost);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(BudgetReservation reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        Replace(reservation, 0, 0);
        return ValueTask.CompletedTask;
    }

    /// <summary>Returns a tenant's current usage, reservations included, as of <paramref name="now"/>.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="now">The current time.</param>
    /// <returns>Tokens in the sliding window, cost today, and the number of open reservations.</returns>
    public (long WindowTokens, decimal DayCost, int OpenReservations) GetUsage(string tenant, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!_tenants.TryGetValue(tenant, out var state))
        {
            return default;
        }

        lock (state)
        {
            Interlocked.Add(ref _reclaimed, state.Advance(now));
            return (state.WindowTokens, state.DayCost, state.Open.Count);
        }
    }

    /// <summary>Returns what the calls with a request id have spent or reserved.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="requestId">The request id.</param>
    /// <returns>The cost in US dollars.</returns>
    public decimal GetRequestCost(string tenant, string requestId)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(requestId);
        if (!_tenants.TryGetValue(tenant, out var state))
        {
            return 0;
        }

        lock (state)
        {
            return state.Requests.GetValueOrDefault(requestId)?.Cost ?? 0;
        }
    }

    private static ValueTask<BudgetReservationResult> Deny(BudgetDenial denial) =>
        ValueTask.FromResult(new BudgetReservationResult(null, denial));

    private void Replace(BudgetReservation reservation, long tokens, decimal cost)
    {
        if (!_tenants.TryGetValue(reservation.Tenant, out var state))
        {
            return;
        }

        lock (state)
        {
            state.Replace(reservation, tokens, cost);
        }
    }

    private sealed record OpenReservation(BudgetReservation Reservation, WindowEntry Entry);

    private sealed class WindowEntry(DateTimeOffset at, long tokens)
    {
        public DateTimeOffset At { get; } = at;

        public long Tokens { get; set; } = tokens;

        public bool InWindow { get; set; } = true;
    }

    private sealed class RequestSpend
    {
        public decimal Cost { get; set; }

        /// <summary>Gets or sets the part of <see cref="Cost"/> that open reservations hold.</summary>
        public decimal Reserved { get; set; }

        public DateTimeOffset LastSeen { get; set; }
    }

    /// <summary>One tenant's state; every member is used under <c>lock (this)</c>.</summary>
    private sealed class TenantState
    {
        private readonly Queue<WindowEntry> _window = new();
        private readonly PriorityQueue<long, DateTimeOffset> _leases = new();
        private readonly Dictionary<long, OpenReservation> _reclaimed = [];
        private int _reservationsSincePrune;

        public long WindowTokens { get; private set; }

        public DateOnly Day { get; private set; }

        public decimal DayCost { get; private set; }

        /// <summary>Gets the tokens of <see cref="WindowTokens"/> that open reservations hold.</summary>
        public long ReservedWindowTokens => Open.Values.Where(o => o.Entry.InWindow).Sum(o => o.Entry.Tokens);

        /// <summary>Gets the cost of <see cref="DayCost"/> that open reservations made today hold.</summary>
        public decimal ReservedDayCost => Open.Values.Where(o => DateOnly.FromDateTime(o.Reservation.ReservedAt.UtcDateTime) == Day).Sum(o => o.Reservation.Cost);

        public Dictionary<long, OpenReservation> Open { get; } = [];

        public Dictionary<string, RequestSpend> Requests { get; } = new(StringComparer.Ordinal);

        /// <summary>Moves the windows to <paramref name="now"/> and reclaims expired reservations; returns how many.</summary>
        public int Advance(DateTimeOffset now)
        {
            int reclaimed = 0;
            while (_leases.TryPeek(out long id, out var expiresAt) && expiresAt <= now)
            {
                _leases.Dequeue();
                if (Open.Remove(id, out var open))
                {
                    // Abandoned: its caller died or forgot it. Free what it held; a late settle still records the usage.
                    Unreserve(open);
                    _reclaimed[id] = open;
                    reclaimed++;
                }
            }

            var cutoff = now - BudgetConstants.TokenWindow;
            while (_window.TryPeek(out var oldest) && oldest.At <= cutoff)
            {
                // An open reservation that leaves the window no longer counts, and its settlement will not either:
                // the window is about the last minute, whatever was billed before it.
                _window.Dequeue();
                WindowTokens -= oldest.Tokens;
                oldest.InWindow = false;
            }

            var today = DateOnly.FromDateTime(now.UtcDateTime);
            if (today != Day)
            {
                Day = today;
                DayCost = 0;
            }

            if (++_reservationsSincePrune >= 1024)
            {
                _reservationsSincePrune = 0;
                foreach (var (id, open) in _reclaimed)
                {
                    if (now - open.Reservation.ReservedAt > RequestRetention)
                    {
                        _reclaimed.Remove(id);
                    }
                }

                foreach (var (id, spend) in Requests)
                {
                    if (now - spend.LastSeen > RequestRetention)
                    {
                        Requests.Remove(id);
                    }
                }
            }

            return reclaimed;
        }

        /// <summary>
        /// Bounds when a budget that open reservations only hold frees up: by the time the last of them expires, at
        /// the latest (sooner when they settle).
        /// </summary>
        public BudgetDenial WithLeaseBound(BudgetDenial denial)
        {
            if (!denial.IsHeldByReservations || Open.Count == 0)
            {
                return denial;
            }

            var latest = Open.Values.Max(o => o.Reservation.ExpiresAt);
            return denial with { ResetsAt = denial.ResetsAt is { } at && at < latest ? at : latest };
        }

        /// <summary>Returns when enough tokens leave the window to free <paramref name="excess"/> of them.</summary>
        public DateTimeOffset? WindowFreesAt(long excess, bool canEverFit)
        {
            if (!canEverFit)
            {
                return null;
            }

            long freed = 0;
            foreach (var entry in _window)
            {
                freed += entry.Tokens;
                if (freed >= excess)
                {
                    return entry.At + BudgetConstants.TokenWindow;
                }
            }

            return null;
        }

        public void Add(BudgetReservation reservation, RequestSpend? spend)
        {
            var entry = new WindowEntry(reservation.ReservedAt, reservation.Tokens);
            _window.Enqueue(entry);
            Open.Add(reservation.Id, new OpenReservation(reservation, entry));
            _leases.Enqueue(reservation.Id, reservation.ExpiresAt);
            WindowTokens += reservation.Tokens;
            DayCost += reservation.Cost;
            if (reservation.RequestId is { } requestId)
            {
                if (spend is null)
                {
                    spend = new RequestSpend();
                    Requests.Add(requestId, spend);
                }

                spend.Cost += reservation.Cost;
                spend.Reserved += reservation.Cost;
                spend.LastSeen = reservation.ReservedAt;
            }
        }

        public void Replace(BudgetReservation reservation, long tokens, decimal cost)
        {
            // Removing from Open first makes a second settle or release of the same reservation a no-op.
            if (Open.Remove(reservation.Id, out var open))
            {
                Unreserve(open);
            }
            else if (!_reclaimed.Remove(reservation.Id, out open))
            {
                return;
            }

            // Reserved amounts are gone; what the call actually used counts where the reservation did.
            var entry = open.Entry;
            if (entry.InWindow)
            {
                WindowTokens += tokens;
                entry.Tokens = tokens;
            }

            if (DateOnly.FromDateTime(reservation.ReservedAt.UtcDateTime) == Day)
            {
                DayCost += cost;
            }

            if (reservation.RequestId is { } requestId && Requests.TryGetValue(requestId, out var spend))
            {
                spend.Cost += cost;
            }
        }

        private void Unreserve(OpenReservation open)
        {
            var (reservation, entry) = open;
            if (entry.InWindow)
            {
                WindowTokens -= entry.Tokens;
                entry.Tokens = 0;
            }

            if (DateOnly.FromDateTime(reservation.ReservedAt.UtcDateTime) == Day)
            {
                DayCost -= reservation.Cost;
            }

            if (reservation.RequestId is { } requestId && Requests.TryGetValue(requestId, out var spend))
            {
                spend.Cost -= reservation.Cost;
                spend.Reserved -= reservation.Cost;
            }
        }
    }
}
