namespace LlmKit.Jobs;

/// <summary>Settings of the hosted <see cref="JobWorker"/>, bound from <c>LlmKit:Jobs</c> and validated when the host starts.</summary>
public sealed class JobWorkerOptions
{
    /// <summary>Gets or sets the queue the worker takes jobs from.</summary>
    /// <value>The default value is <see cref="JobConstants.DefaultQueue"/>.</value>
    public string Queue { get; set; } = JobConstants.DefaultQueue;

    /// <summary>Gets or sets how many jobs this worker runs at once.</summary>
    /// <value>The default value is 4. Must be between 1 and 256.</value>
    public int Concurrency { get; set; } = JobConstants.DefaultConcurrency;

    /// <summary>Gets or sets how long a lease lasts: a job whose worker died runs again after at most this long.</summary>
    /// <value>The default value is 30 seconds. Must be at least 1 second.</value>
    /// <remarks>The worker renews the lease every <see cref="HeartbeatInterval"/>, so a long job keeps it.</remarks>
    public TimeSpan LeaseDuration { get; set; } = JobConstants.DefaultLeaseDuration;

    /// <summary>Gets or sets how often a running job's lease is renewed and its progress written.</summary>
    /// <value>The default value is <see langword="null"/>: a third of <see cref="LeaseDuration"/>. Must be shorter than it.</value>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>Gets or sets how long an idle worker waits before asking for work again.</summary>
    /// <value>The default value is 1 second. Must be positive.</value>
    public TimeSpan PollInterval { get; set; } = JobConstants.DefaultPollInterval;

    /// <summary>Gets or sets the delay before the first retry of a failed attempt; each further retry doubles it.</summary>
    /// <value>The default value is 2 seconds. Must not be negative.</value>
    public TimeSpan RetryBaseDelay { get; set; } = JobConstants.DefaultRetryBaseDelay;

    /// <summary>Gets or sets the longest delay between retries.</summary>
    /// <value>The default value is 5 minutes. Must not be shorter than <see cref="RetryBaseDelay"/>.</value>
    public TimeSpan RetryMaxDelay { get; set; } = JobConstants.DefaultRetryMaxDelay;

    /// <summary>Gets or sets the name this worker leases jobs under (shown in job records).</summary>
    /// <value>The default value is <see langword="null"/>: the machine name, the process id and a random suffix.</value>
    public string? WorkerId { get; set; }

    /// <summary>Returns the retry delay after a failed attempt: exponential from <see cref="RetryBaseDelay"/>, capped at <see cref="RetryMaxDelay"/>.</summary>
    /// <param name="attempt">The attempt that failed, from 1.</param>
    /// <returns>The delay.</returns>
    public TimeSpan RetryDelay(int attempt)
    {
        double factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        double ticks = Math.Min(RetryBaseDelay.Ticks * factor, RetryMaxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    internal TimeSpan EffectiveHeartbeat => HeartbeatInterval ?? LeaseDuration / 3;

    internal IEnumerable<string> Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(Queue))
        {
            yield return $"{section}:Queue must not be empty.";
        }

        if (Concurrency is < 1 or > 256)
        {
            yield return $"{section}:Concurrency must be between 1 and 256, but was {Concurrency}.";
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            yield return $"{section}:LeaseDuration must be at least 1 second, but was {LeaseDuration}.";
        }

        if (HeartbeatInterval is { } heartbeat && (heartbeat <= TimeSpan.Zero || heartbeat >= LeaseDuration))
        {
            yield return $"{section}:HeartbeatInterval must be positive and shorter than LeaseDuration ({LeaseDuration}), but was {heartbeat}.";
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            yield return $"{section}:PollInterval must be positive, but was {PollInterval}.";
        }

        if (RetryBaseDelay < TimeSpan.Zero)
        {
            yield return $"{section}:RetryBaseDelay must not be negative, but was {RetryBaseDelay}.";
        }

        if (RetryMaxDelay < RetryBaseDelay)
        {
            yield return $"{section}:RetryMaxDelay must not be shorter than RetryBaseDelay ({RetryBaseDelay}), but was {RetryMaxDelay}.";
        }
    }
}
