using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using LlmKit.Jobs;

namespace WebApi.Jobs;

/// <summary>Settings of the triage jobs (section <c>Jobs</c>), validated when the app starts. The worker's own settings are under <c>LlmKit:Jobs</c>.</summary>
public sealed class JobOptions
{
    /// <summary>How many jobs may wait; beyond that POST /jobs answers 503 instead of queueing without bound.</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 100;

    /// <summary>The most tickets one job may carry.</summary>
    [Range(1, 1000)]
    public int MaxTicketsPerJob { get; set; } = 50;

    /// <summary>How many times a job runs when the model keeps failing transiently (overloaded, rate limited, unreachable) or the app stops under it.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// Whether this instance runs the job worker. Set it to false for instances that only accept jobs while other
    /// instances (on the same PostgreSQL database) run them; with the in-memory queue nothing else could.
    /// </summary>
    public bool RunWorker { get; set; } = true;
}

/// <summary>The structured answer the model gives for one ticket (validated against its JSON schema).</summary>
public sealed record TicketTriage(
    [property: Description("One of: billing, shipping, general.")] string Category,
    [property: Description("One of: high, normal.")] string Priority,
    [property: Description("The ticket in one sentence.")] string Summary);

/// <summary>The body of <c>POST /jobs</c>.</summary>
public sealed record TriageJobRequest(IReadOnlyList<string>? Tickets);

/// <summary>Where a triage job is, as the API reports it.</summary>
public enum TriageState
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
    string Id, TriageState State, int Completed, int Total, int Percent, IReadOnlyList<TicketTriage> Results, JobError? Error,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

/// <summary>The job's input, stored in the queue as its payload: the job runs outside the request, so it carries the tenant.</summary>
public sealed record TriagePayload(string? Tenant, IReadOnlyList<string> Tickets);

/// <summary>The job's result, stored in the queue: every ticket triaged, or those before a failure and why it stopped.</summary>
public sealed record TriageOutcome(IReadOnlyList<TicketTriage> Results, JobError? Error);

/// <summary>Reads a queued job (LlmKit's <see cref="JobRecord"/>) as the API's <see cref="JobStatus"/>.</summary>
public static class TriageJob
{
    /// <summary>The job kind the handler is registered under.</summary>
    public const string Kind = "ticket-triage";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static TriagePayload PayloadOf(JobRecord job) => JsonSerializer.Deserialize<TriagePayload>(job.Payload, Json)!;

    public static bool IsFinished(JobRecord job) => job.State is LlmKit.Jobs.JobState.Succeeded or LlmKit.Jobs.JobState.DeadLettered or LlmKit.Jobs.JobState.Cancelled;

    public static JobStatus StatusOf(JobRecord job)
    {
        int total = PayloadOf(job).Tickets.Count;
        var outcome = job is { State: LlmKit.Jobs.JobState.Succeeded, Result: { } result } ? JsonSerializer.Deserialize<TriageOutcome>(result, Json) : null;
        var (state, error) = job.State switch
        {
            LlmKit.Jobs.JobState.Queued => (TriageState.Queued, (JobError?)null),
            LlmKit.Jobs.JobState.Running => (TriageState.Running, null),
            LlmKit.Jobs.JobState.Succeeded => outcome?.Error is { } failure ? (TriageState.Failed, failure) : (TriageState.Succeeded, null),
            LlmKit.Jobs.JobState.Cancelled => (TriageState.Cancelled, null),
            // Every attempt ended in an unexpected error (the handler records model failures as an outcome instead).
            _ => (TriageState.Failed, new JobError("Unexpected",
                $"The job failed {job.Attempts} time(s); the server log has the details under job id {job.Id:n}.")),
        };

        IReadOnlyList<TicketTriage> results = outcome?.Results ?? [];
        // While it runs, progress is the fraction of tickets done (written after every ticket); after, the results count.
        int completed = outcome is not null ? results.Count : (int)Math.Round((job.Progress?.Fraction ?? 0) * total);
        return new JobStatus(job.Id.ToString("n"), state, completed, total, total == 0 ? 100 : completed * 100 / total, results, error,
            job.CreatedAt, job.FinishedAt);
    }
}
