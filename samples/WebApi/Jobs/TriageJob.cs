using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace WebApi.Jobs;

/// <summary>Settings of the background jobs (section <c>Jobs</c>), validated when the app starts.</summary>
public sealed class JobOptions
{
    /// <summary>How many jobs may wait; beyond that POST /jobs answers 503 instead of queueing without bound.</summary>
    [Range(1, 10_000)]
    public int QueueCapacity { get; set; } = 100;

    /// <summary>How many jobs run at the same time.</summary>
    [Range(1, 64)]
    public int Workers { get; set; } = 2;

    /// <summary>The most tickets one job may carry.</summary>
    [Range(1, 1000)]
    public int MaxTicketsPerJob { get; set; } = 50;
}

/// <summary>The structured answer the model gives for one ticket (validated against its JSON schema).</summary>
public sealed record TicketTriage(
    [property: Description("One of: billing, shipping, general.")] string Category,
    [property: Description("One of: high, normal.")] string Priority,
    [property: Description("The ticket in one sentence.")] string Summary);

/// <summary>The body of <c>POST /jobs</c>.</summary>
public sealed record TriageJobRequest(IReadOnlyList<string>? Tickets);

public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>Why a job failed, in words a caller can act on.</summary>
public sealed record JobError(string Kind, string Detail);

/// <summary>What <c>GET /jobs/{id}</c> returns.</summary>
public sealed record JobStatus(
    string Id, JobState State, int Completed, int Total, int Percent, IReadOnlyList<TicketTriage> Results, JobError? Error,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

/// <summary>One triage job. All changes go through its lock, so a poll never sees a half-updated job.</summary>
public sealed class TriageJob(string id, string? tenant, IReadOnlyList<string> tickets, DateTimeOffset createdAt)
{
    private readonly Lock _gate = new();
    private readonly List<TicketTriage> _results = [];
    private JobState _state = JobState.Queued;
    private JobError? _error;
    private DateTimeOffset? _finishedAt;

    public string Id { get; } = id;

    public string? Tenant { get; } = tenant;

    public IReadOnlyList<string> Tickets { get; } = tickets;

    /// <summary>Cancelled by DELETE /jobs/{id}.</summary>
    public CancellationTokenSource Cancellation { get; } = new();

    public bool IsFinished
    {
        get
        {
            lock (_gate)
            {
                return _state is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
            }
        }
    }

    /// <summary>Moves a queued job to running; false when it was cancelled while it waited.</summary>
    public bool TryStart()
    {
        lock (_gate)
        {
            if (_state != JobState.Queued)
            {
                return false;
            }

            _state = JobState.Running;
            return true;
        }
    }

    public void AddResult(TicketTriage result)
    {
        lock (_gate)
        {
            if (_state == JobState.Running)
            {
                _results.Add(result);
            }
        }
    }

    /// <summary>Finishes the job once; later calls (a cancel racing a failure) change nothing.</summary>
    public bool TryFinish(JobState state, JobError? error, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_state is JobState.Succeeded or JobState.Failed or JobState.Cancelled)
            {
                return false;
            }

            _state = state;
            _error = error;
            _finishedAt = now;
            return true;
        }
    }

    public JobStatus Snapshot(DateTimeOffset createdAt)
    {
        lock (_gate)
        {
            int total = Tickets.Count;
            int completed = _results.Count;
            return new JobStatus(Id, _state, completed, total, total == 0 ? 100 : completed * 100 / total, _results.ToList(), _error, createdAt, _finishedAt);
        }
    }

    public JobStatus Snapshot() => Snapshot(createdAt);
}
