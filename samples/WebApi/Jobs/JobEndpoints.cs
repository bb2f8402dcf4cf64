using LlmKit.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace WebApi.Jobs;

/// <summary>POST /jobs (202 + Location), GET /jobs/{id} (poll), DELETE /jobs/{id} (cancel).</summary>
public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs");
        jobs.MapPost("/", Submit);
        jobs.MapGet("/{id}", Get).WithName("GetJob");
        jobs.MapDelete("/{id}", Cancel);
        return app;
    }

    private static Results<AcceptedAtRoute<JobStatus>, ValidationProblem, ProblemHttpResult> Submit(
        TriageJobRequest request, JobQueue queue, IOptions<JobOptions> options, HttpContext http)
    {
        int max = options.Value.MaxTicketsPerJob;
        if (request.Tickets is not { Count: > 0 } tickets || tickets.Count > max || tickets.Any(string.IsNullOrWhiteSpace))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["tickets"] = [$"Between 1 and {max} non-empty tickets are required."],
            });
        }

        if (queue.TryEnqueue(CallerTags.Current.Tenant, tickets.ToList()) is not { } job)
        {
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The job queue is full",
                detail: $"{queue.Capacity} jobs are waiting; try again shortly.");
        }

        return TypedResults.AcceptedAtRoute(job.Snapshot(), "GetJob", new { id = job.Id });
    }

    private static Results<Ok<JobStatus>, NotFound> Get(string id, JobQueue queue, HttpContext http)
    {
        if (queue.Find(id) is not { } job)
        {
            return TypedResults.NotFound();
        }

        var status = job.Snapshot();
        if (!job.IsFinished)
        {
            http.Response.Headers.RetryAfter = "1"; // a polling hint for clients that honour it
        }

        return TypedResults.Ok(status);
    }

    private static Results<Accepted<JobStatus>, NotFound, ProblemHttpResult> Cancel(string id, JobQueue queue)
    {
        if (queue.Find(id) is not { } job)
        {
            return TypedResults.NotFound();
        }

        if (!queue.Cancel(job))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has already finished",
                detail: $"Job {id} is {job.Snapshot().State}.");
        }

        return TypedResults.Accepted($"/jobs/{id}", job.Snapshot());
    }
}
