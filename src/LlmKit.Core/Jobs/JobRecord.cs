namespace LlmKit.Jobs;

/// <summary>A job as the queue holds it.</summary>
public sealed record JobRecord
{
    /// <summary>Gets the job's id.</summary>
    public required Guid Id { get; init; }

    /// <summary>Gets the queue.</summary>
    public required string Queue { get; init; }

    /// <summary>Gets which handler runs it.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the input as JSON text.</summary>
    public required string Payload { get; init; }

    /// <summary>Gets the idempotency key it was enqueued with.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Gets the state.</summary>
    public JobState State { get; init; }

    /// <summary>Gets how many attempts have started.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets how many attempts it gets.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>Gets the last progress reported.</summary>
    public JobProgress? Progress { get; init; }

    /// <summary>Gets the result of a succeeded job (JSON text).</summary>
    public string? Result { get; init; }

    /// <summary>Gets the error of the last failed attempt.</summary>
    public string? LastError { get; init; }

    /// <summary>Gets the worker that holds or last held the lease.</summary>
    public string? WorkerId { get; init; }

    /// <summary>Gets when it was enqueued.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when it may run next (for a queued job).</summary>
    public DateTimeOffset RunAt { get; init; }

    /// <summary>Gets when the current lease expires (for a running job).</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Gets when it reached its final state.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>A worker's hold on a job, from <see cref="IJobQueue.TryLeaseAsync"/>.</summary>
/// <param name="Job">The job as it was leased (<see cref="JobRecord.Attempts"/> counts this attempt).</param>
/// <param name="Token">Identifies this lease: only its holder can heartbeat, complete or fail the job.</param>
/// <param name="ExpiresAt">When the lease expires unless renewed.</param>
public sealed record JobLease(JobRecord Job, Guid Token, DateTimeOffset ExpiresAt);
