using System.Globalization;
using LlmKit.Budgets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LlmKit.Redis.Budgets;

/// <summary>
/// Budget state in Redis, shared by every replica: a reservation is one server-side script that reclaims expired
/// leases, slides the tenant's token window, checks every limit and holds the estimate, atomically; settle and release
/// are one script each and idempotent. Tokens per minute are a true sliding window (every reservation is an entry,
/// counted while it is younger than a minute), costs per UTC day and per request are counters; each reservation carries
/// a lease so that a dead replica's holds expire.
/// </summary>
/// <remarks>
/// <para>
/// When Redis cannot be reached, a reservation fails closed with <see cref="BudgetStoreUnavailableException"/> (or, with
/// <see cref="RedisOptions.BudgetsFailOpen"/>, is let through unmetered with a warning). A settle that cannot reach Redis
/// is retried in the background until it lands — settles are idempotent by reservation id, so a retry never counts
/// twice; if this process dies first, the lease expires and the reservation is reclaimed.
/// </para>
/// <para>
/// What a failover can and cannot do: a reservation whose reply was lost (the connection dropped after the script ran)
/// holds its estimate until its lease expires — never an overspend, at worst a hold that frees late. With Redis's
/// asynchronous replication, a promoted replica may lack the last writes the old primary acknowledged: a lost
/// reservation lets that much more through once (at most the estimates in flight at the failover), a lost settle leaves
/// its reservation to be reclaimed by its lease (its actual usage is then not counted). Keep replicas close
/// (<c>min-replicas-to-write</c>) where that matters. Times are the caller's (<see cref="BudgetReservationRequest.Now"/>),
/// so replicas' clocks must agree (NTP).
/// </para>
/// </remarks>
public sealed class RedisBudgetStore : IBudgetStore, IAsyncDisposable
{
    private const decimal PicoPerDollar = 1_000_000_000_000m;

    private readonly RedisConnection _connection;
    private readonly bool _failOpen;
    private readonly RedisInstrumentation _instrumentation;
    private readonly ILogger _logger;
    private readonly DeferredBudgetSettles _settles;

    /// <summary>Initializes a new instance of the <see cref="RedisBudgetStore"/> class.</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">The settings (<see cref="RedisOptions.BudgetsFailOpen"/>).</param>
    /// <param name="instrumentation">Counts reclaims and store failures.</param>
    /// <param name="logger">Logs failures.</param>
    public RedisBudgetStore(RedisConnection connection, IOptions<RedisOptions> options, RedisInstrumentation? instrumentation = null, ILogger<RedisBudgetStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        _connection = connection;
        _failOpen = options.Value.BudgetsFailOpen;
        _instrumentation = instrumentation ?? new RedisInstrumentation();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _settles = new DeferredBudgetSettles(
            SettleOnceAsync, RedisFaults.IsUnavailable, "Redis", TimeSpan.FromSeconds(1), () => _instrumentation.StoreFailure("settle_deferred"), _logger);
    }

    /// <summary>Gets how many settles wait for Redis to come back.</summary>
    public int PendingSettles => _settles.Pending;

    /// <inheritdoc />
    public async ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(request.Lease, TimeSpan.Zero, nameof(request));
        ArgumentOutOfRangeException.ThrowIfNegative(request.Tokens, nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        var limits = request.Limits;
        if (limits.MaxCostPerCall is { } perCall && request.Cost > perCall)
        {
            return new BudgetReservationResult(null, new BudgetDenial(BudgetKind.CostPerCall, perCall, 0, request.Cost, null));
        }

        // Ids are random rather than counted, so an id a failover forgot can never be handed out again.
        long id = Random.Shared.NextInt64(1, long.MaxValue);
        long nowMs = request.Now.ToUnixTimeMilliseconds();
        var day = request.Now.UtcDateTime.Date;
        RedisValue[] arguments =
        [
            nowMs, (long)Math.Ceiling(request.Lease.TotalMilliseconds), id, request.Tokens, ToPico(request.Cost, roundUp: true),
            limits.TokensPerMinute is { } tpm ? tpm : RedisValue.EmptyString,
            limits.CostPerDay is { } cpd ? ToPico(cpd, roundUp: false) : RedisValue.EmptyString,
            limits.CostPerRequest is { } cpr ? ToPico(cpr, roundUp: false) : RedisValue.EmptyString,
            DayKey(day), request.RequestId ?? string.Empty, (long)RedisConstants.RequestRetention.TotalMilliseconds,
            KeyTimeToLive(request.Lease), DayKey(day.AddDays(-1)),
        ];

        RedisResult[] result;
        try
        {
            var database = await _connection.GetDatabaseAsync();
            result = (RedisResult[])(await database.ScriptEvaluateAsync(RedisBudgetScripts.Reserve, _connection.Keys.Budget(request.Tenant), arguments))!;
        }
        catch (Exception e) when (RedisFaults.IsUnavailable(e) && !cancellationToken.IsCancellationRequested)
        {
            _instrumentation.StoreFailure(_failOpen ? "fail_open" : "fail_closed");
            if (_failOpen)
            {
                _logger.LogWarning(e, "The Redis budget store cannot be reached; the call of tenant {Tenant} goes through unmetered (LlmKit:Redis:BudgetsFailOpen).", request.Tenant);
                return new BudgetReservationResult(
                    new BudgetReservation(0, request.Tenant, request.RequestId, request.Tokens, request.Cost, request.Now) { IsUnmetered = true, ExpiresAt = request.Now + request.Lease },
                    null);
            }

            _logger.LogError(e, "The Redis budget store cannot be reached; the call of tenant {Tenant} is refused (fail closed).", request.Tenant);
            throw new BudgetStoreUnavailableException(request.Tenant,
                $"The budget of tenant '{request.Tenant}' cannot be checked: the Redis budget store ({_connection.Description}) is unreachable ({e.Message}). The call was refused " +
                "rather than made without counting its cost; set LlmKit:Redis:BudgetsFailOpen to true to let calls through unmetered instead.", e);
        }

        long reclaimed = (long)result[1];
        if (reclaimed > 0)
        {
            _instrumentation.Reclaimed(reclaimed, "reserve");
        }

        if ((long)result[0] == 1)
        {
            return new BudgetReservationResult(
                new BudgetReservation(id, request.Tenant, request.RequestId, request.Tokens, request.Cost, request.Now) { ExpiresAt = request.Now + request.Lease },
                null);
        }

        return new BudgetReservationResult(null, ReadDenial(result, request));
    }

    /// <inheritdoc />
    public ValueTask SettleAsync(BudgetReservation reservation, long tokens, decimal cost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        return reservation.IsUnmetered ? ValueTask.CompletedTask : _settles.SettleAsync(new BudgetSettlement(reservation, tokens, cost, DateTimeOffset.UtcNow));
    }

    /// <inheritdoc />
    public ValueTask ReleaseAsync(BudgetReservation reservation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        return reservation.IsUnmetered ? ValueTask.CompletedTask : _settles.SettleAsync(new BudgetSettlement(reservation, 0, 0, DateTimeOffset.UtcNow));
    }

    /// <summary>Returns a tenant's cost on a UTC day: settled, and held by open reservations.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="day">Any time on the day.</param>
    /// <returns>The settled and reserved cost in US dollars.</returns>
    public async Task<(decimal Settled, decimal Reserved)> GetDayCostAsync(string tenant, DateTimeOffset day)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        string key = DayKey(day.UtcDateTime.Date);
        var database = await _connection.GetDatabaseAsync();
        var values = await database.HashGetAsync(_connection.Keys.Budget(tenant)[0], ["du:" + key, "dr:" + key]);
        return (FromPico(values[0]), FromPico(values[1]));
    }

    /// <summary>Reclaims a tenant's reservations whose lease expired by <paramref name="now"/> (reservations do it too, per tenant).</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="now">The current time.</param>
    /// <returns>How many were reclaimed.</returns>
    public async Task<int> ReclaimExpiredAsync(string tenant, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        var database = await _connection.GetDatabaseAsync();
        int reclaimed = (int)await database.ScriptEvaluateAsync(RedisBudgetScripts.Reclaim, _connection.Keys.Budget(tenant), [now.ToUnixTimeMilliseconds()]);
        if (reclaimed > 0)
        {
            _instrumentation.Reclaimed(reclaimed, "sweep");
        }

        return reclaimed;
    }

    /// <summary>Stops the background retry of settles; those still pending are tried once more.</summary>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisposeAsync() => _settles.DisposeAsync();

    internal static long ToPico(decimal dollars, bool roundUp)
    {
        decimal pico = dollars * PicoPerDollar;
        pico = roundUp ? Math.Ceiling(pico) : Math.Floor(pico);
        return pico > long.MaxValue ? long.MaxValue : (long)pico;
    }

    private static decimal FromPico(RedisValue value) => value.IsNullOrEmpty ? 0 : decimal.Parse((string)value!, CultureInfo.InvariantCulture) / PicoPerDollar;

    private static string DayKey(DateTime day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static long KeyTimeToLive(TimeSpan lease) => (long)(lease + RedisConstants.BudgetKeyRetention).TotalMilliseconds;

    private async Task SettleOnceAsync(BudgetSettlement settle, CancellationToken cancellationToken)
    {
        var reservation = settle.Reservation;
        var database = await _connection.GetDatabaseAsync();
        var outcome = (int)await database.ScriptEvaluateAsync(RedisBudgetScripts.Settle, _connection.Keys.Budget(reservation.Tenant),
            [reservation.Id, settle.Tokens, ToPico(settle.Cost, roundUp: false), KeyTimeToLive(reservation.ExpiresAt - reservation.ReservedAt)]);
        if (outcome == 2)
        {
            _logger.LogInformation("Budget reservation {Id} of tenant {Tenant} was settled after its lease had been reclaimed; its usage was still recorded.",
                reservation.Id, reservation.Tenant);
        }
    }

    private static BudgetDenial ReadDenial(RedisResult[] result, BudgetReservationRequest request)
    {
        var budget = (BudgetKind)(int)result[2];
        var now = request.Now;
        long resetsMs = (long)result[6], latestMs = (long)result[7];
        decimal limit, settled, reserved, requested;
        DateTimeOffset? resetsAt;
        if (budget == BudgetKind.TokensPerMinute)
        {
            (limit, settled, reserved, requested) = (ParseDecimal(result[3]), ParseDecimal(result[4]), ParseDecimal(result[5]), request.Tokens);
            resetsAt = resetsMs < 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(resetsMs);
        }
        else
        {
            (limit, settled, reserved, requested) = (FromPico(result[3].ToString()), FromPico(result[4].ToString()), FromPico(result[5].ToString()), request.Cost);
            settled += reserved;
            resetsAt = budget == BudgetKind.CostPerDay && request.Cost <= limit ? new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero) : null;
        }

        // Tokens: `settled` is already the whole window (held entries included); costs: settled plus held.
        var denial = new BudgetDenial(budget, limit, settled, requested, resetsAt) { Reserved = reserved };
        if (denial.IsHeldByReservations && latestMs >= 0)
        {
            var latest = DateTimeOffset.FromUnixTimeMilliseconds(latestMs);
            if (resetsAt is null || latest < resetsAt)
            {
                denial = denial with { ResetsAt = latest };
            }
        }

        return denial;
    }

    private static decimal ParseDecimal(RedisResult value) => decimal.Parse(value.ToString(), CultureInfo.InvariantCulture);

}
