namespace LlmKit.Jobs;

/// <summary>
/// A job queue in process memory, for one app instance, development and tests: jobs are lost when the process ends.
/// Thread-safe; times come from the <see cref="TimeProvider"/>.
/// </summary>
public sealed class InMemoryJobQueue : IJobQueue
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Entry> _jobs = [];
    private readonly Dictionary<(string Queue, string Key), Guid> _keys = [];
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance of the <see cref="InMemoryJobQueue"/> class.</summary>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when omitted.</param>
    public InMemoryJobQueue(TimeProvider? timeProvider = null) => _timeProvider = timeProvider ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<JobEnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (request.IdempotencyKey is { } key && _keys.TryGetValue((request.Queue, key), out var existing))
            {
                return ValueTask.FromResult(new JobEnqueueResult(_jobs[existing].Record, Created: false));
            }

            var record = new JobRecord
            {
                Id = Guid.CreateVersion7(now),
                Queue = request.Queue,
                Kind = request.Kind,
                Payload = request.Payload,
                IdempotencyKey = request.IdempotencyKey,
                MaxAttempts = request.MaxAttempts,
                CreatedAt = now,
                RunAt = now + (request.Delay ?? TimeSpan.Zero),
            };
            _jobs.Add(record.Id, new Entry { Record = record });
            if (request.IdempotencyKey is { } newKey)
            {
                _keys.Add((request.Queue, newKey), record.Id);
            }

            return ValueTask.FromResult(new JobEnqueueResult(record, Created: true));
        }
    }

    /// <inheritdoc />
    public ValueTask<JobLease?> TryLeaseAsync(string queue, string workerId, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        ArgumentException.ThrowIfNullOrWhiteSpace(workerId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            Entry? next = null;
            foreach (var entry in _jobs.Values)
            {
                var job = entry.Record;
                bool due = job.Queue == queue &&
                           ((job.State == JobState.Queued && job.RunAt <= now) ||
                            (job.State == JobState.Running && job.LeaseExpiresAt <= now));
                if (due && (next is null || (job.RunAt, job.Id).CompareTo((next.Record.RunAt, next.Record.Id)) < 0))
                {
                    next = entry;
                }
            }

            if (next is null)
            {
                return ValueTask.FromResult<JobLease?>(null);
            }

            if (next.Record.Attempts >= next.Record.MaxAttempts)
            {
                // Its last worker died holding the last attempt: nothing is left to try.
                next.Record = next.Record with { State = JobState.DeadLettered, LeaseExpiresAt = null, FinishedAt = now, LastError = next.Record.LastError ?? "The lease of the last attempt expired." };
                next.Token = Guid.Empty;
                return TryLeaseAsync(queue, workerId, leaseDuration, cancellationToken);
            }

            next.Token = Guid.NewGuid();
            next.Record = next.Record with
            {
                State = JobState.Running,
                Attempts = next.Record.Attempts + 1,
                WorkerId = workerId,
                LeaseExpiresAt = now + leaseDuration,
            };
            return ValueTask.FromResult<JobLease?>(new JobLease(next.Record, next.Token, now + leaseDuration));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> HeartbeatAsync(JobLease lease, TimeSpan leaseDuration, JobProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (Held(lease) is not { } entry)
            {
                return ValueTask.FromResult(false);
            }

            entry.Record = entry.Record with { LeaseExpiresAt = now + leaseDuration, Progress = progress ?? entry.Record.Progress };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteAsync(JobLease lease, string? result = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (Held(lease) is not { } entry)
            {
                return ValueTask.FromResult(false);
            }

            entry.Token = Guid.Empty;
            entry.Record = entry.Record with { State = JobState.Succeeded, Result = result, LeaseExpiresAt = null, FinishedAt = now, Progress = new JobProgress(1) };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<JobState?> FailAsync(JobLease lease, string error, TimeSpan? retryAfter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(error);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (Held(lease) is not { } entry)
            {
                return ValueTask.FromResult<JobState?>(null);
            }

            entry.Token = Guid.Empty;
            bool retry = retryAfter is not null && entry.Record.Attempts < entry.Record.MaxAttempts;
            entry.Record = retry
                ? entry.Record with { State = JobState.Queued, LastError = error, LeaseExpiresAt = null, RunAt = now + retryAfter!.Value }
                : entry.Record with { State = JobState.DeadLettered, LastError = error, LeaseExpiresAt = null, FinishedAt = now };
            return ValueTask.FromResult<JobState?>(entry.Record.State);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CancelAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var entry) || entry.Record.State is not (JobState.Queued or JobState.Running))
            {
                return ValueTask.FromResult(false);
            }

            entry.Token = Guid.Empty;
            entry.Record = entry.Record with { State = JobState.Cancelled, LeaseExpiresAt = null, FinishedAt = now };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<JobRecord?> GetAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_jobs.TryGetValue(jobId, out var entry) ? entry.Record : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<JobState, long>> CountAsync(string queue, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyDictionary<JobState, long> counts = _jobs.Values
                .Where(e => e.Record.Queue == queue)
                .GroupBy(e => e.Record.State)
                .ToDictionary(g => g.Key, g => (long)g.Count());
            return ValueTask.FromResult(counts);
        }
    }

    private Entry? Held(JobLease lease) =>
        _jobs.TryGetValue(lease.Job.Id, out var entry) && entry.Token == lease.Token && entry.Record.State == JobState.Running ? entry : null;

    private sealed class Entry
    {
        public required JobRecord Record { get; set; }

        public Guid Token { get; set; }
    }
}
