using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.OutputGuards;

/// <summary>Guarded calls on any <see cref="IChatClient"/>, returning a <see cref="GuardedResponse"/> instead of throwing.</summary>
public static class OutputGuardChatClientExtensions
{
    /// <summary>
    /// Gets a response and checks it: with the pipeline's output-guard stage when it has one, and with
    /// <paramref name="guards"/> when given.
    /// </summary>
    /// <param name="client">The chat client.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="guards">Guards for this call, checked after the stage's.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response that passed, or the failure.</returns>
    public static async Task<GuardedResponse> GetGuardedResponseAsync(
        this IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options = null, IReadOnlyList<OutputGuard>? guards = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(messages);
        var request = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        ChatResponse response;
        try
        {
            response = await client.GetResponseAsync(request, options, cancellationToken);
        }
        catch (OutputGuardException ex) when (ex.Failure is not null)
        {
            return new GuardedResponse(null, ex.Failure);
        }

        var failure = guards is null ? null : await OutputGuardChatClient.CheckAsync(guards, request, response, cancellationToken);
        return new GuardedResponse(failure is null ? response : null, failure);
    }

    /// <summary>Gets a response to one user message and checks it.</summary>
    /// <param name="client">The chat client.</param>
    /// <param name="prompt">The user's message.</param>
    /// <param name="options">The chat options.</param>
    /// <param name="guards">Guards for this call.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The response that passed, or the failure.</returns>
    public static Task<GuardedResponse> GetGuardedResponseAsync(
        this IChatClient client, string prompt, ChatOptions? options = null, IReadOnlyList<OutputGuard>? guards = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return client.GetGuardedResponseAsync([new ChatMessage(ChatRole.User, prompt)], options, guards, cancellationToken);
    }
}
