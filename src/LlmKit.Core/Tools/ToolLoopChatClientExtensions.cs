using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>Runs tool loops on any <see cref="IChatClient"/>.</summary>
/// <remarks>
/// When the client's pipeline has a tool-loop stage (<c>AddTools</c>/<c>UseToolLoop</c>), these methods run that
/// stage with its registered tools, options and services, and every model turn of the run goes through the stages
/// outside it (telemetry, usage ledger, budget, cache) as a call of its own: a budget is checked before each turn and
/// the ledger records each turn. Otherwise a loop with default options wraps the client, offering the call's
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
    public static Task<ToolLoopResult> RunToolsAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Enter(client, out var outer).RunForPipelineAsync(messages, options, outer, cancellationToken);

    /// <summary>Runs a tool loop for one user message.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="prompt">The user's message.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The result.</returns>
    public static Task<ToolLoopResult> RunToolsAsync(this IChatClient client, string prompt, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return Enter(client, out var outer).RunForPipelineAsync([new ChatMessage(ChatRole.User, prompt)], options, outer, cancellationToken);
    }

    /// <summary>Runs a tool loop and streams its events, for example to server-sent events.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The events; the last is a <see cref="ToolLoopCompletedEvent"/>.</returns>
    public static IAsyncEnumerable<ToolLoopEvent> RunToolsStreamingAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Enter(client, out var outer).RunStreamingForPipelineAsync(messages, options, outer, cancellationToken);

    /// <summary>Resumes a loop that stopped with <see cref="ToolLoopStopReason.AwaitingApproval"/>.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="continuation">The continuation.</param>
    /// <param name="decisions">Decisions by call id.</param>
    /// <param name="options">The chat options; pass the same tools as the original run.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The result.</returns>
    public static Task<ToolLoopResult> ResumeToolsAsync(
        this IChatClient client, ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Enter(client, out var outer).ResumeForPipelineAsync(continuation, decisions, options, outer, cancellationToken);

    /// <summary>Resumes a loop that stopped with <see cref="ToolLoopStopReason.AwaitingApproval"/> and streams its events.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="continuation">The continuation.</param>
    /// <param name="decisions">Decisions by call id.</param>
    /// <param name="options">The chat options; pass the same tools as the original run.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The events; the last is a <see cref="ToolLoopCompletedEvent"/>.</returns>
    public static IAsyncEnumerable<ToolLoopEvent> ResumeToolsStreamingAsync(
        this IChatClient client, ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Enter(client, out var outer).ResumeStreamingForPipelineAsync(continuation, decisions, options, outer, cancellationToken);

    /// <summary>The loop to run, and the pipeline its model turns go through when <paramref name="client"/> is outside the loop stage.</summary>
    private static ToolLoopChatClient Enter(IChatClient client, out IChatClient? outerPipeline)
    {
        ArgumentNullException.ThrowIfNull(client);
        var stage = client.GetService<ToolLoopChatClient>();
        outerPipeline = stage is null || ReferenceEquals(stage, client) ? null : client;
        return stage ?? new ToolLoopChatClient(client);
    }
}
