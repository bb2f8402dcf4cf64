using System.Collections.Concurrent;

namespace LlmKit.Budgets;

/// <summary>
/// Budget state in process memory: one lock per tenant, a sliding token window, a per-UTC-day cost and per-request
/// costs. Thread-safe; for one app instance (several instances need a shared store).
/// </summary>
public sealed class InMemoryBudgetStore : IBudgetStore
{
    /// <summary>How long a request id's spend is remembered after its last call: one day.</summary>
    public static readonly TimeSpan RequestRetention = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, TenantState> _tenants = new(StringComparer.Ordinal);
    private long _nextId;

    /// <inheritdoc />
    public ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var state = _tenants.GetOrAdd(request.Tenant, static _ => new TenantState());
        lock (state)
        {
            state.Advance(request.Now);
            var limits = request.Limits;
            if (limits.TokensPerMinute is { } tokenLimit && state.WindowTokens + request.Tokens > tokenLimit)
            {
                return Deny(new BudgetDenial(BudgetKind.TokensPerMinute, tokenLimit, state.WindowTokens, request.Tokens,
                    state.WindowFreesAt(state.WindowTokens + request.Tokens - tokenLimit, request.Tokens <= tokenLimit)));
            }

            if (limits.CostPerDay is { } dayLimit && state.DayCost + request.Cost > dayLimit)
            {
                DateTimeOffset? midnight = request.Cost <= dayLimit
                    ? new DateTimeOffset(state.Day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                    : null;
                return Deny(new BudgetDenial(BudgetKind.CostPerDay, dayLimit, state.DayCost, request.Cost, midnight));
            }

            RequestSpend? spend = null;
            if (request.RequestId is { } requestId)
            {
                spend = state.Requests.GetValueOrDefault(requestId);
                if (limits.CostPerRequest is { } requestLimit && (spend?.Cost ?? 0) + request.Cost > requestLimit)
                {
                    return Deny(new BudgetDenial(BudgetKind.CostPerRequest, requestLimit, spend?.Cost ?? 0, request.Cost, null));
                }
            }

            var reservation = new BudgetReservation(Interlocked.Increment(ref _nextId), request.Tenant, request.RequestId,
                request.Tokens, request.Cost, request.Now);
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
            state.Advance(now);
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

    private sealed class WindowEntry(DateTimeOffset at, long tokens)
    {
        public DateTimeOffset At { get; } = at;

        public long Tokens { get; set; } = tokens;

        public bool InWindow { get; set; } = true;
    }

    private sealed class RequestSpend
    {
        public decimal Cost { get; set; }

        public DateTimeOffset LastSeen { get; set; }
    }

    /// <summary>One tenant's state; every member is used under <c>lock (this)</c>.</summary>
    private sealed class TenantState
    {
        private readonly Queue<WindowEntry> _window = new();
        private int _reservationsSincePrune;

        public long WindowTokens { get; private set; }

        public DateOnly Day { get; private set; }

        public decimal DayCost { get; private set; }

        public Dictionary<long, WindowEntry> Open { get; } = [];

        public Dictionary<string, RequestSpend> Requests { get; } = new(StringComparer.Ordinal);

        public void Advance(DateTimeOffset now)
        {
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
                foreach (var (id, spend) in Requests)
                {
                    if (now - spend.LastSeen > RequestRetention)
                    {
                        Requests.Remove(id);
                    }
                }
            }
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
            Open.Add(reservation.Id, entry);
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
                spend.LastSeen = reservation.ReservedAt;
            }
        }

        public void Replace(BudgetReservation reservation, long tokens, decimal cost)
        {
            // Removing from Open first makes a second settle or release of the same reservation a no-op.
            if (!Open.Remove(reservation.Id, out var entry))
            {
                return;
            }

            if (entry.InWindow)
            {
                WindowTokens += tokens - entry.Tokens;
                entry.Tokens = tokens;
            }

            if (DateOnly.FromDateTime(reservation.ReservedAt.UtcDateTime) == Day)
            {
                DayCost += cost - reservation.Cost;
            }

            if (reservation.RequestId is { } requestId && Requests.TryGetValue(requestId, out var spend))
            {
                spend.Cost += cost - reservation.Cost;
            }
        }
    }
}
