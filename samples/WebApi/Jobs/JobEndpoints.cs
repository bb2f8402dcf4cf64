using LlmKit.Jobs;
using LlmKit.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace WebApi.Jobs;

/// <summary>POST /jobs (202 + Location), GET /jobs/{id} (poll), DELETE /jobs/{id} (cancel), over LlmKit's <see cref="IJobQueue"/>.</summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs");
        jobs.MapPost("/", SubmitAsync);
        jobs.MapGet("/{id}", GetAsync).WithName("GetJob");
        jobs.MapDelete("/{id}", CancelAsync);
        return app;
    }

    private static async Task<Results<AcceptedAtRoute<JobStatus>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        TriageJobRequest request, IJobQueue queue, IOptions<JobOptions> options, IOptions<JobWorkerOptions> worker, HttpContext http)
    {
        var settings = options.Value;
        if (request.Tickets is not { Count: > 0 } tickets || tickets.Count > settings.MaxTicketsPerJob || tickets.Any(string.IsNullOrWhiteSpace))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["tickets"] = [$"Between 1 and {settings.MaxTicketsPerJob} non-empty tickets are required."],
            });
        }

        // A soft bound (two submissions may both pass the count): it keeps a burst from growing the queue without limit.
        long waiting = await JobQueueCapacity.WaitingAsync(queue, worker.Value.Queue, http.RequestAborted);
        if (waiting >= settings.QueueCapacity)
        {
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The job queue is full",
                detail: $"{waiting} jobs are waiting; try again shortly.");
        }

        var payload = new TriagePayload(CallerTags.Current.Tenant, tickets.ToList());
        var enqueued = await queue.EnqueueAsync(
            new JobRequest(TriageJob.Kind, TriageJob.Serialize(payload)) { Queue = worker.Value.Queue, MaxAttempts = settings.MaxAttempts },
            http.RequestAborted);
        var status = TriageJob.StatusOf(enqueued.Job);
        return TypedResults.AcceptedAtRoute(status, "GetJob", new { id = status.Id });
    }

    private static async Task<Results<Ok<JobStatus>, NotFound>> GetAsync(string id, IJobQueue queue, HttpContext http)
    {
        if (await FindAsync(id, queue, http.RequestAborted) is not { } job)
        {
            return TypedResults.NotFound();
        }

        if (!TriageJob.IsFinished(job))
        {
            http.Response.Headers.RetryAfter = "1"; // a polling hint for clients that honour it
        }

        return TypedResults.Ok(TriageJob.StatusOf(job));
    }

    private static async Task<Results<Accepted<JobStatus>, NotFound, ProblemHttpResult>> CancelAsync(string id, IJobQueue queue, HttpContext http)
    {
        if (await FindAsync(id, queue, http.RequestAborted) is not { } job)
        {
            return TypedResults.NotFound();
        }

        // A queued job never runs; a running one loses its lease and its handler stops at its next progress write.
        if (!await queue.CancelAsync(job.Id, http.RequestAborted))
        {
            var finished = await queue.GetAsync(job.Id, http.RequestAborted) ?? job;
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has already finished",
                detail: $"Job {id} is {TriageJob.StatusOf(finished).State}.");
        }

        var cancelled = await queue.GetAsync(job.Id, http.RequestAborted) ?? job;
        return TypedResults.Accepted($"/jobs/{id}", TriageJob.StatusOf(cancelled));
    }

    /// <summary>The job with this id, if it is a triage job (the queue may hold other kinds).</summary>
    private static async Task<JobRecord?> FindAsync(string id, IJobQueue queue, CancellationToken cancellationToken) =>
        Guid.TryParse(id, out var jobId) && await queue.GetAsync(jobId, cancellationToken) is { Kind: TriageJob.Kind } job ? job : null;
}

/// <summary>How many jobs wait in a queue (queued, or waiting to be retried).</summary>
public static class JobQueueCapacity
{
    public static async Task<long> WaitingAsync(IJobQueue queue, string name, CancellationToken cancellationToken) =>
        (await queue.CountAsync(name, cancellationToken)).GetValueOrDefault(LlmKit.Jobs.JobState.Queued);
}
