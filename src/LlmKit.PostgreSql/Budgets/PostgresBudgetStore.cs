using LlmKit.Budgets;
using LlmKit.RateLimits;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.PostgreSql.Budgets;

/// <summary>
/// Budget state in PostgreSQL, shared by every replica: a reservation is one call of <c>llmkit.budget_reserve</c> that
/// checks every limit and holds the estimate atomically, under a per-tenant advisory lock; settle and release are one
/// call of <c>llmkit.budget_settle</c>. Reservations carry a lease; expired ones are reclaimed (per tenant on every
/// reservation, and for all tenants by the maintenance sweep) and counted in <c>llmkit.budget.reservations.reclaimed</c>.
/// </summary>
/// <remarks>
/// <para>
/// When the database cannot be reached, a reservation fails closed with <see cref="BudgetStoreUnavailableException"/>
/// (or, with <see cref="PostgreSqlOptions.BudgetsFailOpen"/>, is let through unmetered with a warning). A settle that
/// cannot reach the database is retried in the background until it can, so a dropped connection between reserve and
/// settle loses no usage; if this process dies first, the lease expires and the reservation is reclaimed.
/// </para>
/// <para>
/// Limits come from the caller (the app's configuration); a row in <c>llmkit.budget_tenant_limits</c> overrides them
/// per tenant at run time (<see cref="SetTenantLimitsAsync"/>). Times are the caller's (<see cref="BudgetReservationRequest.Now"/>),
/// so replicas' clocks must agree (NTP) to within what a budget window can tolerate.
/// </para>
/// </remarks>
public sealed class PostgresBudgetStore : IBudgetStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _failOpen;
    private readonly PostgresInstrumentation _instrumentation;
    private readonly ILogger _logger;
    private readonly DeferredBudgetSettles _settles;

    /// <summary>Initializes a new instance of the <see cref="PostgresBudgetStore"/> class.</summary>
    /// <param name="database">The database.</param>
    /// <param name="options">The settings (<see cref="PostgreSqlOptions.BudgetsFailOpen"/>).</param>
    /// <param name="instrumentation">Counts reclaims and store failures.</param>
    /// <param name="logger">Logs failures.</param>
    public PostgresBudgetStore(PostgresDatabase database, IOptions<PostgreSqlOptions> options, PostgresInstrumentation? instrumentation = null, ILogger<PostgresBudgetStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = database.DataSource;
        _failOpen = options.Value.BudgetsFailOpen;
        _instrumentation = instrumentation ?? new PostgresInstrumentation();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _settles = new DeferredBudgetSettles(
            SettleOnceAsync, PostgresFaults.IsUnavailable, "PostgreSQL", TimeSpan.FromSeconds(2), () => _instrumentation.StoreFailure("settle_deferred"), _logger);
    }

    /// <summary>Gets how many settles wait for the database to come back.</summary>
    public int PendingSettles => _settles.Pending;

    /// <inheritdoc />
    public async ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(request.Lease, TimeSpan.Zero, nameof(request));
        var limits = request.Limits;
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT * FROM llmkit.budget_reserve($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
            command.Parameters.Add(new NpgsqlParameter<string>{ TypedValue = request.Tenant });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)request.RequestId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = request.Tokens });
            command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = request.Cost });
            command.Parameters.Add(Nullable(limits.TokensPerMinute, NpgsqlDbType.Bigint));
            command.Parameters.Add(Nullable(limits.CostPerDay, NpgsqlDbType.Numeric));
            command.Parameters.Add(Nullable(limits.MaxCostPerCall, NpgsqlDbType.Numeric));
            command.Parameters.Add(Nullable(limits.CostPerRequest, NpgsqlDbType.Numeric));
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = request.Now.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = request.Lease, NpgsqlDbType = NpgsqlDbType.Interval });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            int reclaimed = reader.GetInt32(8);
            if (reclaimed > 0)
            {
                _instrumentation.Reclaimed(reclaimed, "reserve");
            }

            if (!reader.IsDBNull(0))
            {
                var reservation = new BudgetReservation(reader.GetInt64(0), request.Tenant, request.RequestId, request.Tokens, request.Cost, request.Now)
                {
                    ExpiresAt = new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero),
                };
                return new BudgetReservationResult(reservation, null);
            }

            return new BudgetReservationResult(null, ReadDenial(reader, request));
        }
        catch (Exception e) when (PostgresFaults.IsUnavailable(e) && !cancellationToken.IsCancellationRequested)
        {
            _instrumentation.StoreFailure(_failOpen ? "fail_open" : "fail_closed");
            if (_failOpen)
            {
                _logger.LogWarning(e, "The budget database cannot be reached; the call of tenant {Tenant} goes through unmetered (LlmKit:PostgreSql:BudgetsFailOpen).", request.Tenant);
                return new BudgetReservationResult(
                    new BudgetReservation(0, request.Tenant, request.RequestId, request.Tokens, request.Cost, request.Now) { IsUnmetered = true, ExpiresAt = request.Now + request.Lease },
                    null);
            }

            _logger.LogError(e, "The budget database cannot be reached; the call of tenant {Tenant} is refused (fail closed).", request.Tenant);
            throw new BudgetStoreUnavailableException(request.Tenant,
                $"The budget of tenant '{request.Tenant}' cannot be checked: the PostgreSQL budget store is unreachable ({e.Message}). The call was refused " +
                "rather than made without counting its cost; set LlmKit:PostgreSql:BudgetsFailOpen to true to let calls through unmetered instead.", e);
        }
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

    /// <summary>Sets or clears a tenant's limit overrides, effective on every replica from the next reservation.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="limits">The overrides (unset limits fall back to the configured ones), or <see langword="null"/> to remove them.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the overrides are stored.</returns>
    public async Task SetTenantLimitsAsync(string tenant, BudgetLimits? limits, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        await using var command = limits is null
            ? _dataSource.CreateCommand("DELETE FROM llmkit.budget_tenant_limits WHERE tenant = $1")
            : _dataSource.CreateCommand("""
                INSERT INTO llmkit.budget_tenant_limits (tenant, tokens_per_minute, cost_per_day, max_cost_per_call, cost_per_request, updated_at)
                VALUES ($1, $2, $3, $4, $5, now())
                ON CONFLICT (tenant) DO UPDATE SET tokens_per_minute = EXCLUDED.tokens_per_minute, cost_per_day = EXCLUDED.cost_per_day,
                    max_cost_per_call = EXCLUDED.max_cost_per_call, cost_per_request = EXCLUDED.cost_per_request, updated_at = now()
                """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        if (limits is not null)
        {
            command.Parameters.Add(Nullable(limits.TokensPerMinute, NpgsqlDbType.Bigint));
            command.Parameters.Add(Nullable(limits.CostPerDay, NpgsqlDbType.Numeric));
            command.Parameters.Add(Nullable(limits.MaxCostPerCall, NpgsqlDbType.Numeric));
            command.Parameters.Add(Nullable(limits.CostPerRequest, NpgsqlDbType.Numeric));
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Returns a tenant's cost on a UTC day: settled, and held by open reservations.</summary>
    /// <param name="tenant">The tenant.</param>
    /// <param name="day">Any time on the day.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The settled and reserved cost in US dollars.</returns>
    public async Task<(decimal Settled, decimal Reserved)> GetDayCostAsync(string tenant, DateTimeOffset day, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT coalesce(sum(used), 0), coalesce(sum(reserved), 0) FROM llmkit.budget_counters WHERE tenant = $1 AND budget = 1 AND period_start = date_trunc('day', $2::timestamptz, 'UTC')");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = day.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetDecimal(0), reader.GetDecimal(1));
    }

    /// <summary>Reclaims every tenant's reservations whose lease expired by <paramref name="now"/> (the maintenance sweep calls it).</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>How many were reclaimed.</returns>
    public async Task<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT llmkit.budget_reclaim_expired($1)");
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        int reclaimed = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (reclaimed > 0)
        {
            _instrumentation.Reclaimed(reclaimed, "sweep");
            _logger.LogWarning("Reclaimed {Count} budget reservations whose lease expired before they were settled (a replica died mid-call?).", reclaimed);
        }

        return reclaimed;
    }

    /// <summary>Stops the background retry of settles; those still pending are tried once more.</summary>
    /// <returns>A task that completes when done.</returns>
    public ValueTask DisposeAsync() => _settles.DisposeAsync();

    private async Task SettleOnceAsync(BudgetSettlement settle, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT llmkit.budget_settle($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = settle.Reservation.Tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = settle.Reservation.Id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = settle.Tokens });
        command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = settle.Cost });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = settle.At.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        int outcome = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (outcome == 2)
        {
            _logger.LogInformation("Budget reservation {Id} of tenant {Tenant} was settled after its lease had been reclaimed; its usage was still recorded.",
                settle.Reservation.Id, settle.Reservation.Tenant);
        }
    }

    private static BudgetDenial ReadDenial(NpgsqlDataReader reader, BudgetReservationRequest request)
    {
        var budget = (BudgetKind)reader.GetInt16(2);
        decimal limit = reader.GetDecimal(3);
        decimal settled = reader.GetDecimal(4);
        decimal reserved = reader.GetDecimal(5);
        decimal previous = reader.GetDecimal(6);
        DateTimeOffset? latestExpiry = reader.IsDBNull(7) ? null : new DateTimeOffset(reader.GetDateTime(7), TimeSpan.Zero);
        var now = request.Now;
        decimal requested = budget == BudgetKind.TokensPerMinute ? request.Tokens : request.Cost;

        DateTimeOffset? resetsAt;
        decimal used;
        switch (budget)
        {
            case BudgetKind.TokensPerMinute:
                used = Math.Ceiling((decimal)SlidingWindowCounter.Estimate((long)previous, (long)(settled + reserved), now));
                resetsAt = request.Tokens <= limit
                    ? now + SlidingWindowCounter.TimeUntilFits((long)previous, (long)(settled + reserved), request.Tokens, (long)limit, now)
                    : null;
                break;
            case BudgetKind.CostPerDay:
                used = settled + reserved;
                resetsAt = request.Cost <= limit ? new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero) : null;
                break;
            default:
                used = settled + reserved;
                resetsAt = null;
                break;
        }

        var denial = new BudgetDenial(budget, limit, used, requested, resetsAt) { Reserved = reserved };
        if (denial.IsHeldByReservations && latestExpiry is { } expiry && (resetsAt is null || expiry < resetsAt))
        {
            denial = denial with { ResetsAt = expiry };
        }

        return denial;
    }

    private static NpgsqlParameter Nullable<T>(T? value, NpgsqlDbType type)
        where T : struct => new() { Value = value.HasValue ? value.Value : DBNull.Value, NpgsqlDbType = type };

}
