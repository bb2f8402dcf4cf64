namespace LlmKit.Jobs;

/// <summary>
/// A durable queue of background jobs with leases: a worker leases a job, keeps the lease alive with heartbeats, and
/// completes or fails it; a job whose worker dies is leased again once its lease expires. <see cref="InMemoryJobQueue"/>
/// serves one process; a queue shared by several replicas (for example on PostgreSQL) implements the same contract.
/// </summary>
/// <remarks>
/// <para>
/// Delivery is at least once, completion exactly once: a job may be handed to a second worker after the first lost
/// its lease (it stalled past the lease, or died), but only the holder of the current lease can complete or fail it,
/// so a job completes once. A handler whose side effects must happen once either makes them idempotent by job id or,
/// on a store that supports it, commits them in the same transaction as the completion.
/// </para>
/// <para>Times come from the store's clock (the database's, for a shared store), so replicas never disagree on a lease.</para>
/// </remarks>
public interface IJobQueue
{
    /// <summary>Adds a job, or returns the existing one when a job with the same idempotency key is already in the queue.</summary>
    /// <param name="request">What to run.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The job, and whether this call created it.</returns>
    ValueTask<JobEnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken = default);

    /// <summary>Leases the next due job of a queue, oldest first, skipping jobs other workers hold.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="workerId">Who takes the lease (shown in the job's record).</param>
    /// <param name="leaseDuration">How long the lease lasts unless renewed by <see cref="HeartbeatAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The lease, or <see langword="null"/> when no job is due.</returns>
    ValueTask<JobLease?> TryLeaseAsync(string queue, string workerId, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease and records progress.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="leaseDuration">The new lease length, from now.</param>
    /// <param name="progress">Progress to record, or <see langword="null"/> to keep the last.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> while the lease is held; <see langword="false"/> when it was lost (expired and taken by another worker) or the job was cancelled: stop working on it.</returns>
    ValueTask<bool> HeartbeatAsync(JobLease lease, TimeSpan leaseDuration, JobProgress? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Marks a leased job as succeeded.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="result">The job's result (JSON text), if any.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when this call completed the job; <see langword="false"/> when the lease was lost first (the job is someone else's or cancelled).</returns>
    ValueTask<bool> CompleteAsync(JobLease lease, string? result = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records a failed attempt: the job runs again after <paramref name="retryAfter"/>, or goes to the dead letters
    /// when it has used its attempts or <paramref name="retryAfter"/> is <see langword="null"/>.
    /// </summary>
    /// <param name="lease">The lease.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="retryAfter">When to try again; <see langword="null"/> when retrying cannot help.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The job's state afterwards (<see cref="JobState.Queued"/> or <see cref="JobState.DeadLettered"/>), or <see langword="null"/> when the lease was lost.</returns>
    ValueTask<JobState?> FailAsync(JobLease lease, string error, TimeSpan? retryAfter, CancellationToken cancellationToken = default);

    /// <summary>Cancels a job that has not finished: a queued one never runs; a running one loses its lease, and its worker stops at the next heartbeat.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when it was cancelled; <see langword="false"/> when it does not exist or had already finished.</returns>
    ValueTask<bool> CancelAsync(Guid jobId, CancellationToken cancellationToken = default);

    /// <summary>Returns a job's current record.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/> when there is no such job.</returns>
    ValueTask<JobRecord?> GetAsync(Guid jobId, CancellationToken cancellationToken = default);

    /// <summary>Returns how many jobs of a queue are in each state.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts; states with no job are absent.</returns>
    ValueTask<IReadOnlyDictionary<JobState, long>> CountAsync(string queue, CancellationToken cancellationToken = default);
}
