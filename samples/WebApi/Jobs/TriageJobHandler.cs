using LlmKit.Errors;
using LlmKit.Jobs;
using LlmKit.StructuredOutput;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace WebApi.Jobs;

/// <summary>
/// Runs one triage job for LlmKit's <see cref="JobWorker"/>: each ticket becomes a validated <see cref="TicketTriage"/>
/// through <c>GetObjectAsync&lt;T&gt;</c>, progress is written after every ticket, and every way the job can end is
/// recorded in its result, so a poll always learns why.
/// </summary>
/// <remarks>
/// The queue is durable with PostgreSQL: a job survives a restart, and one whose instance dies mid-run runs again on
/// another once its lease expires — from its first ticket, since triage has no side effect to repeat. A transient
/// model failure (overloaded, rate limited, unreachable) fails the attempt so the worker retries the job later with
/// backoff; on the last attempt, and for failures a retry cannot fix, the job ends with the reason and the tickets
/// triaged before it.
/// </remarks>
public sealed class TriageJobHandler(IChatClient chat, ILogger<TriageJobHandler> logger) : IJobHandler
{
    public async Task<string?> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        var payload = TriageJob.PayloadOf(context.Job);
        var structured = new StructuredOutputOptions
        {
            // The job runs outside the HTTP request, so it carries the submitter's tenant itself (for budgets and the ledger).
            ChatOptions = new ChatOptions().WithCallerTags(new CallerTags(payload.Tenant, TriageJob.Kind, context.Job.Id.ToString("n"))),
        };

        var results = new List<TicketTriage>();
        foreach (string ticket in payload.Tickets)
        {
            List<ChatMessage> messages =
            [
                new(ChatRole.System, "Triage the customer support ticket: category (billing, shipping or general), priority (high or normal), and a one-sentence summary."),
                new(ChatRole.User, ticket),
            ];
            StructuredResult<TicketTriage> result;
            try
            {
                result = await chat.GetObjectAsync<TicketTriage>(messages, structured, cancellationToken);
            }
            catch (LlmException ex) when (ex.IsTransient && context.Attempt < context.Job.MaxAttempts)
            {
                logger.LogWarning(ex, "Job {JobId}, attempt {Attempt}: the model failed ({Kind}); the job runs again later.", context.Job.Id, context.Attempt, ex.Kind);
                throw;
            }
            catch (LlmException ex)
            {
                logger.LogWarning(ex, "Job {JobId} failed: {Kind}.", context.Job.Id, ex.Kind);
                string retry = ex.RetryAfter is { } after ? $" Retry after {Math.Ceiling(after.TotalSeconds)} s." : string.Empty;
                return Outcome(results, new JobError(ex.Kind.ToString(), $"The model call failed: {ex.Kind}.{retry}"));
            }

            if (!result.TryGetValue(out var triage))
            {
                // A typed failure (refused, truncated, still invalid after retries): the job says which and stops.
                return Outcome(results, new JobError(result.Failure!.Kind.ToString(), result.Failure.Message));
            }

            results.Add(triage);
            // Written now rather than with the next heartbeat: a poll sees each ticket, and a cancelled job (DELETE)
            // learns it here and stops before its next model call.
            await context.ReportProgressAsync((double)results.Count / payload.Tickets.Count, $"{results.Count} of {payload.Tickets.Count} tickets", flush: true, cancellationToken);
        }

        return Outcome(results, null);
    }

    private static string Outcome(List<TicketTriage> results, JobError? error) => TriageJob.Serialize(new TriageOutcome(results, error));
}
