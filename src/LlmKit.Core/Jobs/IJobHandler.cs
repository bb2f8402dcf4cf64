namespace LlmKit.Jobs;

/// <summary>Runs jobs of one kind; registered with <c>AddJobHandler&lt;T&gt;(kind)</c> and resolved in a scope per job.</summary>
public interface IJobHandler
{
    /// <summary>Runs one attempt of a job.</summary>
    /// <param name="context">The job, its attempt, and progress reporting.</param>
    /// <param name="cancellationToken">Cancelled when the job is cancelled, its lease is lost, or the host stops.</param>
    /// <returns>The job's result as JSON text, or <see langword="null"/>.</returns>
    /// <remarks>
    /// Throw to fail the attempt: it is retried with backoff, except for <see cref="JobFailedException"/> with
    /// <see cref="JobFailedException.Retryable"/> set to <see langword="false"/>, which dead-letters it at once.
    /// </remarks>
    Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken);
}

/// <summary>What a handler gets for one attempt of a job.</summary>
public sealed class JobContext
{
    private readonly Func<JobProgress, CancellationToken, ValueTask> _report;

    internal JobContext(JobLease lease, IServiceProvider services, Func<JobProgress, CancellationToken, ValueTask> report)
    {
        Lease = lease;
        Services = services;
        _report = report;
    }

    /// <summary>Gets the job.</summary>
    public JobRecord Job => Lease.Job;

    /// <summary>Gets the lease this attempt runs under (a store-specific completion, such as one in the handler's own transaction, needs it).</summary>
    public JobLease Lease { get; }

    /// <summary>Gets the attempt number, from 1.</summary>
    public int Attempt => Lease.Job.Attempts;

    /// <summary>Gets the services of this job's scope.</summary>
    public IServiceProvider Services { get; }

    /// <summary>
    /// Gets or sets whether the handler completed the job itself (for example in its own database transaction,
    /// together with its side effects); the worker then does not complete it again.
    /// </summary>
    public bool CompletedByHandler { get; set; }

    /// <summary>Records progress; it is written with the next heartbeat, or at once when <paramref name="flush"/> is set.</summary>
    /// <param name="fraction">How much is done, from 0 to 1.</param>
    /// <param name="message">What it is doing.</param>
    /// <param name="flush">Write it now rather than with the next heartbeat.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the progress is recorded.</returns>
    public ValueTask ReportProgressAsync(double fraction, string? message = null, bool flush = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1);
        LatestProgress = new JobProgress(fraction, message);
        return flush ? _report(LatestProgress, cancellationToken) : ValueTask.CompletedTask;
    }

    internal JobProgress? LatestProgress { get; private set; }
}

/// <summary>Thrown by a job handler to fail an attempt with a reason, and to say whether another attempt can help.</summary>
public sealed class JobFailedException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="JobFailedException"/> class.</summary>
    /// <param name="message">Why the attempt failed.</param>
    /// <param name="retryable">Whether another attempt can help; when <see langword="false"/> the job is dead-lettered at once.</param>
    /// <param name="innerException">The cause.</param>
    public JobFailedException(string message, bool retryable = true, Exception? innerException = null)
        : base(message, innerException) => Retryable = retryable;

    /// <summary>Gets whether another attempt can help.</summary>
    public bool Retryable { get; }
}
