using LlmKit.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace LlmKit.PostgreSql.Jobs;

/// <summary>
/// Durable jobs in PostgreSQL (<c>llmkit.jobs</c>), shared by every replica: a worker leases the oldest due job with
/// <c>FOR UPDATE SKIP LOCKED</c> (workers never wait on each other), renews the lease with heartbeats, and only the
/// holder of the current lease token can complete or fail it. Times are the database's clock.
/// </summary>
/// <remarks>
/// For side effects that must happen exactly once, write them in your own transaction and complete the job in the
/// same one with <see cref="CompleteAsync(JobLease, string?, NpgsqlConnection, NpgsqlTransaction, CancellationToken)"/>
/// (then set <see cref="JobContext.CompletedByHandler"/>): if the lease was lost the completion returns
/// <see langword="false"/>, you roll back, and the side effect never happened.
/// </remarks>
public sealed class PostgresJobQueue : IJobQueue
{
    private const string Returning = "RETURNING id, queue, kind, payload, idempotency_key, state, attempts, max_attempts, progress, progress_message, " +
        "result, last_error, worker_id, created_at, run_at, lease_expires_at, finished_at, lease_token";

    private const string CompleteSql = "UPDATE llmkit.jobs SET state = 2, result = $3, finished_at = now(), lease_token = NULL, lease_expires_at = NULL, progress = 1 " +
        "WHERE id = $1 AND lease_token = $2 AND state = 1";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresJobQueue"/> class.</summary>
    /// <param name="database">The database.</param>
    public PostgresJobQueue(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _dataSource = database.DataSource;
    }

    /// <inheritdoc />
    public async ValueTask<JobEnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Queue);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxAttempts, 1);
        // ON CONFLICT DO NOTHING returns no row for a duplicate key; the second statement then reads the existing job.
        await using var command = _dataSource.CreateCommand(
            "INSERT INTO llmkit.jobs (id, queue, kind, payload, idempotency_key, max_attempts, run_at) VALUES ($1, $2, $3, $4, $5, $6, now() + $7) " +
            "ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING " + Returning);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Queue });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Payload });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)request.IdempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = request.MaxAttempts });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = request.Delay ?? TimeSpan.Zero, NpgsqlDbType = NpgsqlDbType.Interval });
        if (await ReadOneAsync(command, cancellationToken) is { } created)
        {
            return new JobEnqueueResult(created.Record, Created: true);
        }

        await using var existing = _dataSource.CreateCommand($"SELECT {Returning["RETURNING ".Length..]} FROM llmkit.jobs WHERE queue = $1 AND idempotency_key = $2");
        existing.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Queue });
        existing.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.IdempotencyKey! });
        var found = await ReadOneAsync(existing, cancellationToken) ?? throw new InvalidOperationException("The job with this idempotency key vanished while it was enqueued.");
        return new JobEnqueueResult(found.Record, Created: false);
    }

    /// <inheritdoc />
    public async ValueTask<JobLease?> TryLeaseAsync(string queue, string workerId, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentException.ThrowIfNullOrWhiteSpace(workerId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        while (true)
        {
            // A running job whose lease expired was abandoned by its worker: it is leased again, or dead-lettered when
            // that worker held its last attempt.
            await using var command = _dataSource.CreateCommand($"""
                WITH next AS (
                    SELECT id FROM llmkit.jobs
                     WHERE queue = $1 AND ((state = 0 AND run_at <= now()) OR (state = 1 AND lease_expires_at <= now()))
                     ORDER BY run_at, id
                     LIMIT 1
                     FOR UPDATE SKIP LOCKED)
                UPDATE llmkit.jobs j SET
                    state = CASE WHEN j.attempts >= j.max_attempts THEN 3 ELSE 1 END,
                    attempts = CASE WHEN j.attempts >= j.max_attempts THEN j.attempts ELSE j.attempts + 1 END,
                    lease_token = CASE WHEN j.attempts >= j.max_attempts THEN NULL ELSE $3 END,
                    lease_expires_at = CASE WHEN j.attempts >= j.max_attempts THEN NULL ELSE now() + $4 END,
                    finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
                    last_error = CASE WHEN j.attempts >= j.max_attempts THEN coalesce(j.last_error, 'The lease of the last attempt expired.') ELSE j.last_error END,
                    worker_id = $2
                  FROM next WHERE j.id = next.id
                {Returning.Replace("RETURNING ", "RETURNING j.", StringComparison.Ordinal).Replace(", ", ", j.", StringComparison.Ordinal)}
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.NewGuid() });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = leaseDuration, NpgsqlDbType = NpgsqlDbType.Interval });
            if (await ReadOneAsync(command, cancellationToken) is not { } leased)
            {
                return null;
            }

            if (leased.Record.State == JobState.Running)
            {
                return new JobLease(leased.Record, leased.Token!.Value, leased.Record.LeaseExpiresAt!.Value);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> HeartbeatAsync(JobLease lease, TimeSpan leaseDuration, JobProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var command = _dataSource.CreateCommand(
            "UPDATE llmkit.jobs SET lease_expires_at = now() + $3, progress = coalesce($4, progress), progress_message = CASE WHEN $4 IS NULL THEN progress_message ELSE $5 END " +
            "WHERE id = $1 AND lease_token = $2 AND state = 1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = lease.Job.Id });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = lease.Token });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = leaseDuration, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = progress is null ? DBNull.Value : progress.Fraction, NpgsqlDbType = NpgsqlDbType.Double });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)progress?.Message ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> CompleteAsync(JobLease lease, string? result = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await using var command = _dataSource.CreateCommand(CompleteSql);
        BindComplete(command.Parameters, lease, result);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Completes a leased job inside the caller's transaction, so the job's side effects and its completion commit
    /// together or not at all.
    /// </summary>
    /// <param name="lease">The lease.</param>
    /// <param name="result">The job's result (JSON text), if any.</param>
    /// <param name="connection">The caller's open connection.</param>
    /// <param name="transaction">The caller's transaction on it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when the job is completed once the transaction commits; <see langword="false"/> when the lease was lost: roll back.</returns>
    public async Task<bool> CompleteAsync(JobLease lease, string? result, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(CompleteSql, connection, transaction);
        BindComplete(command.Parameters, lease, result);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<JobState?> FailAsync(JobLease lease, string error, TimeSpan? retryAfter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(error);
        await using var command = _dataSource.CreateCommand(
            "UPDATE llmkit.jobs SET last_error = $3, lease_token = NULL, lease_expires_at = NULL, " +
            "state = CASE WHEN $4::interval IS NOT NULL AND attempts < max_attempts THEN 0 ELSE 3 END, " +
            "run_at = CASE WHEN $4::interval IS NOT NULL AND attempts < max_attempts THEN now() + $4 ELSE run_at END, " +
            "finished_at = CASE WHEN $4::interval IS NOT NULL AND attempts < max_attempts THEN NULL ELSE now() END " +
            "WHERE id = $1 AND lease_token = $2 AND state = 1 RETURNING state");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = lease.Job.Id });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = lease.Token });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = error });
        command.Parameters.Add(new NpgsqlParameter { Value = retryAfter is { } delay ? delay : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteScalarAsync(cancellationToken) is short state ? (JobState)state : null;
    }

    /// <inheritdoc />
    public async ValueTask<bool> CancelAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            "UPDATE llmkit.jobs SET state = 4, lease_token = NULL, lease_expires_at = NULL, finished_at = now() WHERE id = $1 AND state IN (0, 1)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = jobId });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<JobRecord?> GetAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {Returning["RETURNING ".Length..]} FROM llmkit.jobs WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = jobId });
        return (await ReadOneAsync(command, cancellationToken))?.Record;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<JobState, long>> CountAsync(string queue, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT state, count(*) FROM llmkit.jobs WHERE queue = $1 GROUP BY state");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
        var counts = new Dictionary<JobState, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[(JobState)reader.GetInt16(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>Deletes finished jobs (succeeded, dead-lettered, cancelled) that finished before a time.</summary>
    /// <param name="cutoff">Jobs finished before this go.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns>How many were deleted.</returns>
    public async Task<int> DeleteFinishedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM llmkit.jobs WHERE state >= 2 AND finished_at < $1");
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void BindComplete(NpgsqlParameterCollection parameters, JobLease lease, string? result)
    {
        parameters.Add(new NpgsqlParameter<Guid> { TypedValue = lease.Job.Id });
        parameters.Add(new NpgsqlParameter<Guid> { TypedValue = lease.Token });
        parameters.Add(new NpgsqlParameter { Value = (object?)result ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
    }

    private static async Task<(JobRecord Record, Guid? Token)?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }

        var record = new JobRecord
        {
            Id = r.GetGuid(0),
            Queue = r.GetString(1),
            Kind = r.GetString(2),
            Payload = r.GetString(3),
            IdempotencyKey = r.IsDBNull(4) ? null : r.GetString(4),
            State = (JobState)r.GetInt16(5),
            Attempts = r.GetInt32(6),
            MaxAttempts = r.GetInt32(7),
            Progress = r.IsDBNull(8) ? null : new JobProgress(r.GetDouble(8), r.IsDBNull(9) ? null : r.GetString(9)),
            Result = r.IsDBNull(10) ? null : r.GetString(10),
            LastError = r.IsDBNull(11) ? null : r.GetString(11),
            WorkerId = r.IsDBNull(12) ? null : r.GetString(12),
            CreatedAt = Utc(r.GetDateTime(13)),
            RunAt = Utc(r.GetDateTime(14)),
            LeaseExpiresAt = r.IsDBNull(15) ? null : Utc(r.GetDateTime(15)),
            FinishedAt = r.IsDBNull(16) ? null : Utc(r.GetDateTime(16)),
        };
        return (record, r.IsDBNull(17) ? null : r.GetGuid(17));
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
