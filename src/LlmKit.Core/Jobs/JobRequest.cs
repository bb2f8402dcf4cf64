namespace LlmKit.Jobs;

/// <summary>A job to enqueue.</summary>
/// <param name="Kind">Which handler runs it (the name it was registered with).</param>
/// <param name="Payload">The job's input as JSON text.</param>
public sealed record JobRequest(string Kind, string Payload)
{
    /// <summary>Gets the queue.</summary>
    /// <value>The default value is <see cref="JobConstants.DefaultQueue"/>.</value>
    public string Queue { get; init; } = JobConstants.DefaultQueue;

    /// <summary>
    /// Gets a key that makes enqueueing idempotent: a second request with the same key in the same queue returns the
    /// first job instead of adding another (for example a client's retried POST).
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Gets how many attempts the job gets before it goes to the dead letters.</summary>
    /// <value>The default value is <see cref="JobConstants.DefaultMaxAttempts"/>.</value>
    public int MaxAttempts { get; init; } = JobConstants.DefaultMaxAttempts;

    /// <summary>Gets a delay before the job may first run.</summary>
    public TimeSpan? Delay { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Kind);
        ArgumentNullException.ThrowIfNull(Payload);
        ArgumentException.ThrowIfNullOrWhiteSpace(Queue);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1);
        if (Delay is { } delay)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        }
    }
}

/// <summary>The outcome of <see cref="IJobQueue.EnqueueAsync"/>.</summary>
/// <param name="Job">The job.</param>
/// <param name="Created"><see langword="false"/> when a job with the same idempotency key already existed and was returned instead.</param>
public readonly record struct JobEnqueueResult(JobRecord Job, bool Created);

/// <summary>Progress a running job reports.</summary>
/// <param name="Fraction">How much is done, from 0 to 1.</param>
/// <param name="Message">What it is doing, for a person.</param>
public sealed record JobProgress(double Fraction, string? Message = null);
