using System.Runtime.CompilerServices;
using LlmKit.Errors;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.PostgreSql.Usage;

/// <summary>
/// The usage ledger in PostgreSQL (<c>llmkit.usage_entries</c>): every entry durable, idempotent by
/// <see cref="UsageEntry.Id"/> (a retried write never counts twice), with the totals billing and dashboards need —
/// per tenant, feature, model or day, top spenders, a time range — served from indexes.
/// </summary>
public sealed class PostgresUsageStore : IUsageStore
{
    private const string Columns = "id, logical_call_id, route, started_at, client_name, tenant, feature, request_id, requested_model, served_model, " +
        "input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost, latency_ms, time_to_first_ms, finish_reason, attempt, " +
        "reask, tool_turn, is_streaming, outcome, error_kind";

    private const string Insert = $"INSERT INTO llmkit.usage_entries ({Columns}) VALUES " +
        "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) ON CONFLICT (id) DO NOTHING";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresUsageStore"/> class.</summary>
    /// <param name="database">The database.</param>
    public PostgresUsageStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _dataSource = database.DataSource;
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(UsageEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var command = _dataSource.CreateCommand(Insert);
        Bind(command.Parameters, entry);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Writes many entries in one round trip and one transaction; entries already stored are skipped.</summary>
    /// <param name="entries">The entries.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>How many were new.</returns>
    public async Task<int> WriteBatchAsync(IReadOnlyList<UsageEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return 0;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var entry in entries)
        {
            var command = new NpgsqlBatchCommand(Insert);
            Bind(command.Parameters, entry);
            batch.BatchCommands.Add(command);
        }

        int written = await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return written;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<UsageEntry> QueryAsync(UsageQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var command = _dataSource.CreateCommand(
            $"SELECT {Columns} FROM llmkit.usage_entries WHERE {Filter(query.Tenant, query.Feature, query.From, query.To)} ORDER BY started_at, id");
        BindFilter(command.Parameters, query.Tenant, query.Feature, query.From, query.To);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return Read(reader);
        }
    }

    /// <summary>Returns totals over a time range, grouped by tenant, feature, served model or UTC day, largest cost first.</summary>
    /// <param name="groupBy">What to group by.</param>
    /// <param name="from">The start of the range (inclusive).</param>
    /// <param name="to">The end of the range (exclusive).</param>
    /// <param name="tenant">Only this tenant's entries, if set.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One total per group.</returns>
    public async Task<IReadOnlyList<UsageTotal>> GetTotalsAsync(UsageGrouping groupBy, DateTimeOffset from, DateTimeOffset to, string? tenant = null, CancellationToken cancellationToken = default)
    {
        string key = groupBy switch
        {
            UsageGrouping.Tenant => "tenant",
            UsageGrouping.Feature => "feature",
            UsageGrouping.Model => "served_model",
            UsageGrouping.Day => "to_char(date_trunc('day', started_at, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "Unknown grouping."),
        };
        await using var command = _dataSource.CreateCommand(
            $"SELECT {key} AS k, count(*), coalesce(sum(input_tokens), 0)::bigint, coalesce(sum(output_tokens), 0)::bigint, coalesce(sum(cost), 0) " +
            $"FROM llmkit.usage_entries WHERE {Filter(tenant, null, from, to)} GROUP BY k ORDER BY 5 DESC, k");
        BindFilter(command.Parameters, tenant, null, from, to);
        return await ReadTotalsAsync(command, cancellationToken);
    }

    /// <summary>Returns the tenants that spent most in a time range.</summary>
    /// <param name="from">The start of the range (inclusive).</param>
    /// <param name="to">The end of the range (exclusive).</param>
    /// <param name="count">How many to return.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The top spenders, largest cost first.</returns>
    public async Task<IReadOnlyList<UsageTotal>> GetTopSpendersAsync(DateTimeOffset from, DateTimeOffset to, int count = 10, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        await using var command = _dataSource.CreateCommand(
            "SELECT tenant, count(*), coalesce(sum(input_tokens), 0)::bigint, coalesce(sum(output_tokens), 0)::bigint, coalesce(sum(cost), 0) " +
            $"FROM llmkit.usage_entries WHERE tenant IS NOT NULL AND {Filter(null, null, from, to)} GROUP BY tenant ORDER BY 5 DESC, tenant LIMIT {count}");
        BindFilter(command.Parameters, null, null, from, to);
        return await ReadTotalsAsync(command, cancellationToken);
    }

    /// <summary>Deletes entries that started before a time (retention), in batches so the table stays available.</summary>
    /// <param name="cutoff">Entries older than this go.</param>
    /// <param name="cancellationToken">Cancels the deletion between batches.</param>
    /// <returns>How many were deleted.</returns>
    public async Task<long> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        long total = 0;
        while (true)
        {
            await using var command = _dataSource.CreateCommand(
                "DELETE FROM llmkit.usage_entries WHERE id IN (SELECT id FROM llmkit.usage_entries WHERE started_at < $1 LIMIT 10000)");
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            int deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < 10000)
            {
                return total;
            }
        }
    }

    private static string Filter(string? tenant, string? feature, DateTimeOffset? from, DateTimeOffset? to) =>
        string.Join(" AND ", new[]
        {
            tenant is null ? null : "tenant = $1",
            feature is null ? null : "feature = $2",
            from is null ? null : "started_at >= $3",
            to is null ? null : "started_at < $4",
        }.Where(c => c is not null).DefaultIfEmpty("true"));

    private static void BindFilter(NpgsqlParameterCollection parameters, string? tenant, string? feature, DateTimeOffset? from, DateTimeOffset? to)
    {
        // Positional parameters are always all bound, so the filter can name only the ones it uses.
        parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)feature ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = from is { } f ? f.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter { Value = to is { } t ? t.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
    }

    private static async Task<IReadOnlyList<UsageTotal>> ReadTotalsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var totals = new List<UsageTotal>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            totals.Add(new UsageTotal(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetDecimal(4)));
        }

        return totals;
    }

    private static void Bind(NpgsqlParameterCollection p, UsageEntry e)
    {
        p.Add(new NpgsqlParameter<string> { TypedValue = e.Id });
        p.Add(Text(e.LogicalCallId));
        p.Add(new NpgsqlParameter<short> { TypedValue = (short)e.Route });
        p.Add(new NpgsqlParameter<DateTime> { TypedValue = e.Timestamp.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<string> { TypedValue = e.ClientName });
        p.Add(Text(e.Tenant));
        p.Add(Text(e.Feature));
        p.Add(Text(e.RequestId));
        p.Add(Text(e.RequestedModel));
        p.Add(Text(e.ServedModel));
        p.Add(new NpgsqlParameter<long> { TypedValue = e.InputTokens });
        p.Add(new NpgsqlParameter<long> { TypedValue = e.OutputTokens });
        p.Add(new NpgsqlParameter<long> { TypedValue = e.CacheReadTokens });
        p.Add(new NpgsqlParameter<long> { TypedValue = e.CacheWriteTokens });
        p.Add(new NpgsqlParameter { Value = e.Cost is { } cost ? cost : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
        p.Add(new NpgsqlParameter<double> { TypedValue = e.Latency.TotalMilliseconds });
        p.Add(new NpgsqlParameter { Value = e.TimeToFirstChunk is { } ttfc ? ttfc.TotalMilliseconds : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        p.Add(Text(e.FinishReason?.Value));
        p.Add(new NpgsqlParameter<int> { TypedValue = e.Attempt });
        p.Add(new NpgsqlParameter { Value = e.Reask is { } reask ? reask : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        p.Add(new NpgsqlParameter { Value = e.ToolTurn is { } turn ? turn : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        p.Add(new NpgsqlParameter<bool> { TypedValue = e.IsStreaming });
        p.Add(new NpgsqlParameter<short> { TypedValue = (short)e.Outcome });
        p.Add(new NpgsqlParameter { Value = e.ErrorKind is { } kind ? (short)kind : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint });
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static UsageEntry Read(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        LogicalCallId = r.IsDBNull(1) ? null : r.GetString(1),
        Route = (UsageRoute)r.GetInt16(2),
        Timestamp = new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero),
        ClientName = r.GetString(4),
        Tenant = r.IsDBNull(5) ? null : r.GetString(5),
        Feature = r.IsDBNull(6) ? null : r.GetString(6),
        RequestId = r.IsDBNull(7) ? null : r.GetString(7),
        RequestedModel = r.IsDBNull(8) ? null : r.GetString(8),
        ServedModel = r.IsDBNull(9) ? null : r.GetString(9),
        InputTokens = r.GetInt64(10),
        OutputTokens = r.GetInt64(11),
        CacheReadTokens = r.GetInt64(12),
        CacheWriteTokens = r.GetInt64(13),
        Cost = r.IsDBNull(14) ? null : r.GetDecimal(14),
        Latency = TimeSpan.FromMilliseconds(r.GetDouble(15)),
        TimeToFirstChunk = r.IsDBNull(16) ? null : TimeSpan.FromMilliseconds(r.GetDouble(16)),
        FinishReason = r.IsDBNull(17) ? null : new ChatFinishReason(r.GetString(17)),
        Attempt = r.GetInt32(18),
        Reask = r.IsDBNull(19) ? null : r.GetInt32(19),
        ToolTurn = r.IsDBNull(20) ? null : r.GetInt32(20),
        IsStreaming = r.GetBoolean(21),
        Outcome = (UsageOutcome)r.GetInt16(22),
        ErrorKind = r.IsDBNull(23) ? null : (LlmErrorKind)r.GetInt16(23),
    };
}

/// <summary>What <see cref="PostgresUsageStore.GetTotalsAsync"/> groups by.</summary>
public enum UsageGrouping
{
    /// <summary>Per tenant.</summary>
    Tenant = 0,

    /// <summary>Per product feature.</summary>
    Feature,

    /// <summary>Per model that answered.</summary>
    Model,

    /// <summary>Per UTC day (<c>yyyy-MM-dd</c>).</summary>
    Day,
}

/// <summary>Usage totals of one group.</summary>
/// <param name="Key">The group: a tenant, feature, model or day; <see langword="null"/> for untagged entries.</param>
/// <param name="Calls">The number of upstream calls.</param>
/// <param name="InputTokens">Input tokens.</param>
/// <param name="OutputTokens">Output tokens.</param>
/// <param name="Cost">Cost in US dollars (entries without a price count 0).</param>
public sealed record UsageTotal(string? Key, long Calls, long InputTokens, long OutputTokens, decimal Cost);
