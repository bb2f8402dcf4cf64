using Microsoft.Extensions.AI;

namespace LlmKit.Testing;

/// <summary>A request that <see cref="ScriptedChatClient"/> received, captured for assertions.</summary>
/// <param name="Index">The zero-based position of the request among all requests the client received.</param>
/// <param name="Messages">A copy of the messages as they were when the request arrived.</param>
/// <param name="Options">A clone of the options as they were when the request arrived, or <see langword="null"/>.</param>
/// <param name="IsStreaming">Whether the request came through <c>GetStreamingResponseAsync</c>.</param>
/// <param name="ReceivedAt">When the request arrived, from the client's <see cref="TimeProvider"/>.</param>
public sealed record RecordedChatRequest(
    int Index,
    IReadOnlyList<ChatMessage> Messages,
    ChatOptions? Options,
    bool IsStreaming,
    DateTimeOffset ReceivedAt)
{
    /// <summary>Gets the text of the last user message, or <see langword="null"/> when there is none.</summary>
    public string? LastUserText => Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
}
