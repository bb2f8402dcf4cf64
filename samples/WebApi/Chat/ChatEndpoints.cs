using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using LlmKit.Errors;
using LlmKit.Tools;
using LlmKit.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.AI;
using WebApi.Infrastructure;

namespace WebApi.Chat;

/// <summary>The body of <c>POST /chat</c>.</summary>
public sealed record ChatRequest(string? Message);

/// <summary><c>POST /chat</c> streams the tool loop as server-sent events; <c>GET /chat/stats</c> counts the streams.</summary>
public static class ChatEndpoints
{
    public const int MaxMessageLength = 4000;

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder app)
    {
        app.MapPost("/chat", StreamAsync);
        app.MapGet("/chat/stats", (ChatStreamStats stats) => TypedResults.Ok(stats.Snapshot()));
        return app;
    }

    private static async Task<Results<ServerSentEventsResult<object>, ValidationProblem>> StreamAsync(
        ChatRequest request, SupportAgent agent, ChatStreamStats stats, ILoggerFactory loggers, HttpContext http)
    {
        if (string.IsNullOrWhiteSpace(request.Message) || request.Message.Length > MaxMessageLength)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["message"] = [$"A message of 1 to {MaxMessageLength} characters is required."],
            });
        }

        var logger = loggers.CreateLogger(typeof(ChatEndpoints));

        // RequestAborted fires when the browser disconnects (or the Stop button aborts the fetch); it flows into the
        // loop, the model call and the tools, so a closed tab stops the work instead of paying for an unread answer.
        var aborted = http.RequestAborted;
        List<ChatMessage> messages = [new(ChatRole.System, SupportAgent.SystemPrompt), new(ChatRole.User, request.Message)];
        var options = new ChatOptions().WithCallerTags(new CallerTags(Feature: "support-chat", RequestId: http.TraceIdentifier));
        var events = agent.Loop.RunToolsStreamingAsync(messages, options, aborted).GetAsyncEnumerator(aborted);
        stats.Started();

        // Wait for the first event before answering: a budget or availability failure of the first model turn then
        // becomes a real HTTP status (429 with Retry-After, 503) instead of a 200 stream that breaks at once.
        if (!await events.MoveNextAsync())
        {
            throw new InvalidOperationException("The tool loop ended without a completed event.");
        }

        // A failed model turn ends the loop with ModelFailed (keeping any tool steps that already ran); when that is
        // the very first event nothing has been streamed, so it is thrown for LlmExceptionHandler to answer.
        if (events.Current is ToolLoopCompletedEvent { Result: { StopReason: ToolLoopStopReason.ModelFailed, Error: { } firstTurnFailure } })
        {
            stats.Failed(firstTurnFailure.Kind.ToString());
            await events.DisposeAsync();
            ExceptionDispatchInfo.Throw(firstTurnFailure);
        }

        return TypedResults.ServerSentEvents(Relay(events, stats, logger, aborted));
    }

    private static async IAsyncEnumerable<SseItem<object>> Relay(
        IAsyncEnumerator<ToolLoopEvent> events, ChatStreamStats stats, ILogger logger, [EnumeratorCancellation] CancellationToken aborted)
    {
        bool finished = false;
        int count = 0;
        try
        {
            while (true)
            {
                var current = events.Current;
                count++;
                if (current is ToolLoopCompletedEvent { Result: { StopReason: ToolLoopStopReason.ModelFailed, Error: { } failure } })
                {
                    // The response has started (status 200 is on the wire), so a failure mid-stream travels as an event.
                    logger.LogWarning(failure, "Chat stream failed mid-stream: {Kind}.", failure.Kind);
                    finished = true;
                    stats.Failed(failure.Kind.ToString());
                    yield return new SseItem<object>(LlmProblems.ToProblem(failure), "error");
                    break;
                }

                if (current is ToolLoopCompletedEvent { Result: var result })
                {
                    finished = true;
                    if (result.StopReason == ToolLoopStopReason.Cancelled)
                    {
                        logger.LogInformation("Chat stream cancelled by the client after {Events} events; the loop stopped: {Detail}", count, result.StopDetail);
                        stats.Cancelled(result.StopReason.ToString());
                    }
                    else
                    {
                        stats.Finished(result.StopReason.ToString());
                    }
                }

                yield return new SseItem<object>(ToPayload(current), current.EventName);

                if (!await events.MoveNextAsync())
                {
                    break;
                }
            }
        }
        finally
        {
            if (!finished)
            {
                // The writer stopped (the connection is gone) before the loop reported its end. The loop saw the same
                // cancellation and reports its own stop: read on to it, so the outcome recorded is the loop's rather
                // than whichever of the two noticed first. "Abandoned" remains only for a loop that ends without one.
                string stopReason = "Abandoned";
                try
                {
                    while (await events.MoveNextAsync())
                    {
                        if (events.Current is ToolLoopCompletedEvent { Result: var result })
                        {
                            stopReason = result.StopReason.ToString();
                            break;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }

                logger.LogInformation("Chat stream stopped by the client after {Events} events; the loop stopped: {StopReason}.", count, stopReason);
                stats.Cancelled(stopReason);
            }

            await events.DisposeAsync();
        }
    }

    private static object ToPayload(ToolLoopEvent e) => e switch
    {
        TextDeltaEvent d => new { text = d.Text },
        ToolCallStartedEvent s => new { iteration = s.Iteration, callId = s.CallId, toolName = s.ToolName, arguments = s.Arguments },
        ToolCallFinishedEvent { Step: var step } => new
        {
            iteration = step.Iteration,
            callId = step.CallId,
            toolName = step.ToolName,
            outcome = step.Outcome.ToString(),
            result = step.Result,
            durationMs = Math.Round(step.Duration.TotalMilliseconds, 1),
        },
        ApprovalRequestedEvent { Request: var r } => new { callId = r.CallId, toolName = r.ToolName, arguments = r.Arguments, description = r.Description },
        ToolLoopCompletedEvent { Result: var r } => new
        {
            stopReason = r.StopReason.ToString(),
            stopDetail = r.StopDetail,
            text = r.Text,
            iterations = r.Iterations,
            toolCalls = r.Steps.Count,
            inputTokens = r.Usage.InputTokenCount,
            outputTokens = r.Usage.OutputTokenCount,
            cost = r.Cost,
        },
        _ => new { type = e.EventName },
    };
}
