using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>Runs tool loops on any <see cref="IChatClient"/>.</summary>
/// <remarks>
/// When the client's pipeline has a tool-loop stage (<c>AddTools</c>/<c>UseToolLoop</c>), these methods run that
/// stage with its registered tools, options and services; stages outside it (cache, budget, telemetry) are entered
/// only through <c>GetResponseAsync</c>. Otherwise a loop with default options wraps the client, offering the call's
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
        LoopOf(client).RunAsync(messages, options, cancellationToken);

    /// <summary>Runs a tool loop for one user message.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="prompt">The user's message.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The result.</returns>
    public static Task<ToolLoopResult> RunToolsAsync(this IChatClient client, string prompt, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return LoopOf(client).RunAsync([new ChatMessage(ChatRole.User, prompt)], options, cancellationToken);
    }

    /// <summary>Runs a tool loop and streams its events, for example to server-sent events.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The events; the last is a <see cref="ToolLoopCompletedEvent"/>.</returns>
    public static IAsyncEnumerable<ToolLoopEvent> RunToolsStreamingAsync(this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        LoopOf(client).RunStreamingAsync(messages, options, cancellationToken);

    /// <summary>Resumes a loop that stopped with <see cref="ToolLoopStopReason.AwaitingApproval"/>.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="continuation">The continuation.</param>
    /// <param name="decisions">Decisions by call id.</param>
    /// <param name="options">The chat options; pass the same tools as the original run.</param>
    /// <param name="cancellationToken">Cancels the loop.</param>
    /// <returns>The result.</returns>
    public static Task<ToolLoopResult> ResumeToolsAsync(
        this IChatClient client, ToolLoopContinuation continuation, IReadOnlyDictionary<string, ToolApprovalDecision> decisions, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        LoopOf(client).ResumeAsync(continuation, decisions, options, cancellationToken);

    private static ToolLoopChatClient LoopOf(IChatClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.GetService<ToolLoopChatClient>() ?? new ToolLoopChatClient(client);
    }
}
