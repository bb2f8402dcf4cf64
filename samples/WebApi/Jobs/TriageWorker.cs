using LlmKit.Errors;
using LlmKit.StructuredOutput;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace WebApi.Jobs;

/// <summary>
/// Works off the job queue: each ticket becomes a validated <see cref="TicketTriage"/> through
/// <c>GetObjectAsync&lt;T&gt;</c>. Every way a job can end is recorded on it, so a poll always learns why.
/// </summary>
public sealed class TriageWorker(JobQueue queue, IChatClient chat, IOptions<JobOptions> options, TimeProvider time, ILogger<TriageWorker> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Workers).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await RunAsync(job, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down. Jobs still queued are lost with the process: see JobQueue about durable queues.
        }
    }

    private async Task RunAsync(TriageJob job, CancellationToken stoppingToken)
    {
        if (!job.TryStart())
        {
            return; // cancelled while it waited
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, job.Cancellation.Token);
        var structured = new StructuredOutputOptions
        {
            // The job runs outside the HTTP request, so it carries the submitter's tenant itself (for budgets and the ledger).
            ChatOptions = new ChatOptions().WithCallerTags(new CallerTags(job.Tenant, "ticket-triage", job.Id)),
        };

        try
        {
            foreach (string ticket in job.Tickets)
            {
                List<ChatMessage> messages =
                [
                    new(ChatRole.System, "Triage the customer support ticket: category (billing, shipping or general), priority (high or normal), and a one-sentence summary."),
                    new(ChatRole.User, ticket),
                ];
                var result = await chat.GetObjectAsync<TicketTriage>(messages, structured, linked.Token);
                if (!result.TryGetValue(out var triage))
                {
                    // A typed failure (refused, truncated, still invalid after retries): the job says which and stops.
                    Finish(job, JobState.Failed, new JobError(result.Failure!.Kind.ToString(), result.Failure.Message));
                    return;
                }

                job.AddResult(triage);
            }

            Finish(job, JobState.Succeeded, null);
        }
        catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
        {
            Finish(job, JobState.Cancelled, null);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Finish(job, JobState.Failed, new JobError("ShutDown", "The server shut down before the job finished; submit it again."));
        }
        catch (LlmException ex)
        {
            logger.LogWarning(ex, "Job {JobId} failed: {Kind}.", job.Id, ex.Kind);
            string retry = ex.RetryAfter is { } after ? $" Retry after {Math.Ceiling(after.TotalSeconds)} s." : string.Empty;
            Finish(job, JobState.Failed, new JobError(ex.Kind.ToString(), $"The model call failed: {ex.Kind}.{retry}"));
        }
        catch (Exception ex)
        {
            // Never lose a job to an unexpected error: record it (details in the log, under the job id) and keep working.
            logger.LogError(ex, "Job {JobId} failed unexpectedly.", job.Id);
            Finish(job, JobState.Failed, new JobError("Unexpected", $"An unexpected error stopped the job; the server log has the details under job id {job.Id}."));
        }
    }

    private void Finish(TriageJob job, JobState state, JobError? error)
    {
        if (job.TryFinish(state, error, time.GetUtcNow()))
        {
            logger.LogInformation("Job {JobId} {State}.", job.Id, state);
        }
    }
}
