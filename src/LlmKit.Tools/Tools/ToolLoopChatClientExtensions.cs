using LlmKit.Errors;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>Runs tool loops on any <see cref="IChatClient"/>.</summary>
/// <remarks>
/// On an LlmKit pipeline with a tool-loop stage (<c>UseToolLoop</c>/<c>AddTools</c>), these methods enter the pipeline
/// once, at its head, as one logical call: every stage outside the loop sees the run once, and each model turn passes
/// through the budget, telemetry and usage-ledger stages inside it exactly as it would for a <c>GetResponseAsync</c>
/// with tools. On any other client a loop with default options wraps the client, offering the call's
/// <see cref="ChatOptions.Tools"/>.
/// </remarks>
public static class ToolLoopChatClientExtensions
{
    /// <summary>Runs a tool loop until the model answers or a limit stops it.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The chat options; its tools are offered besides the registered ones.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The result: stop reason, steps, usage.</returns>
    public static Task<ToolLoopResult> RunToolsAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return RunAsync(client, messages, options, new ToolLoopRequest(), cancellationToken);
    }

    /// <summary>Runs a tool loop for one user message.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="prompt">The user's message.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The result.</returns>
    public static Task<ToolLoopResult> RunToolsAsync(this IChatClient client, string prompt, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return RunAsync(client, [new ChatMessage(ChatRole.User, prompt)], options, new ToolLoopRequest(), cancellationToken);
    }

    /// <summary>Runs a tool loop and streams its events, for example to server-sent events.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The events; the last is a <see cref="ToolLoopCompletedEvent"/>.</returns>
    public static IAsyncEnumerable<ToolLoopEvent> RunToolsStreamingAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync(client, messages, options, new ToolLoopRequest { StreamEvents = true }, cancellationToken);
    }

    /// <summary>Resumes a loop that stopped with <see cref="ToolLoopStopReason.AwaitingApproval"/>.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="continuation">The continuation.</param>
    /// <param name="decisions">Decisions by call id.</param>
    /// <param name="options">The chat options; pass the same tools as the original run.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The result.</returns>
    public static Task<ToolLoopResult> ResumeToolsAsync(
        this IChatClient client, ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(decisions);
        return RunAsync(client, continuation.Conversation, options, new ToolLoopRequest { Continuation = continuation, Decisions = decisions }, cancellationToken);
    }

    /// <summary>Resumes a loop that stopped with <see cref="ToolLoopStopReason.AwaitingApproval"/> and streams its events.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="continuation">The continuation.</param>
    /// <param name="decisions">Decisions by call id.</param>
    /// <param name="options">The chat options; pass the same tools as the original run.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The events; the last is a <see cref="ToolLoopCompletedEvent"/>.</returns>
    public static IAsyncEnumerable<ToolLoopEvent> ResumeToolsStreamingAsync(
        this IChatClient client, ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ArgumentNullException.ThrowIfNull(decisions);
        return StreamAsync(client, continuation.Conversation, options, new ToolLoopRequest { Continuation = continuation, Decisions = decisions, StreamEvents = true }, cancellationToken);
    }

    /// <summary>
    /// The client to enter: the pipeline itself when it has a loop stage (the run enters at its head), else a default
    /// loop around it.
    /// </summary>
    private static IChatClient Enter(IChatClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.GetService<ToolLoopChatClient>() is null ? new ToolLoopChatClient(client) : client;
    }

    private static ChatOptions WithRequest(ChatOptions? options, ToolLoopRequest request)
    {
        var copy = options?.Clone() ?? new ChatOptions();
        LlmKitCallProperties.ToolLoopRun.SetValue(copy, request);
        return copy;
    }

    private static async Task<ToolLoopResult> RunAsync(
        IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, ToolLoopRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Enter(client).GetResponseAsync(messages, WithRequest(options, request), cancellationToken);
            return request.Result ?? ToolLoopCallProperties.ToolLoopResult.GetValueOrDefault(response.AdditionalProperties)
                ?? throw new InvalidOperationException("The tool-loop stage returned no result: a stage outside it answered instead (for example a cache).");
        }
        catch (LlmException) when (request.Result is { StopReason: ToolLoopStopReason.ModelFailed } failed)
        {
            // The stage reports a failed turn to the stages outside it as the exception; the run's record, with the
            // tools that already ran, is what the caller of RunToolsAsync gets.
            return failed;
        }
        catch (OperationCanceledException) when (request.Result is { StopReason: ToolLoopStopReason.Cancelled } cancelled)
        {
            return cancelled;
        }
    }

    private static async IAsyncEnumerable<ToolLoopEvent> StreamAsync(
        IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, ToolLoopRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = Enter(client).GetStreamingResponseAsync(messages, WithRequest(options, request), cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (enumerator)
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (ex is LlmException or OperationCanceledException && request.Result is not null)
                {
                    // The completed event (with the failure or the cancellation in it) has already been streamed.
                    yield break;
                }

                if (enumerator.Current.RawRepresentation is ToolLoopEvent loopEvent)
                {
                    yield return loopEvent;
                }
            }
        }
    }
}
