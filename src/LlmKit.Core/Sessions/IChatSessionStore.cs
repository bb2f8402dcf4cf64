using Microsoft.Extensions.AI;

namespace LlmKit.Sessions;

/// <summary>
/// Keeps the history of chat sessions (conversation memory) with a bound on everything: each session expires
/// <see cref="ChatSessionOptions.TimeToLive"/> after its last append, and holds at most
/// <see cref="ChatSessionOptions.MaxMessages"/> messages and <see cref="ChatSessionOptions.MaxBytes"/> bytes, dropping
/// its oldest messages to stay within them. <see cref="InMemoryChatSessionStore"/> serves one process; stores shared by
/// several replicas (PostgreSQL, Redis) implement the same contract.
/// </summary>
/// <remarks>
/// An append is atomic: concurrent appends to one session on any replica each land whole, in some order, and the caps
/// hold after each. Messages are stored in <see cref="ChatSessionSerializer"/>'s form (Microsoft.Extensions.AI's JSON),
/// so any content that serializes — text, function calls and results, data — round-trips; a message's size is the
/// length of that form in bytes. What to do with trimmed history (summarize it, for example) is the caller's choice:
/// the append says how many messages it dropped.
/// </remarks>
public interface IChatSessionStore
{
    /// <summary>Adds messages to the end of a session (creating it), renews its time to live, and trims it to the caps.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="messages">The messages, oldest first.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The session's size afterwards and how many of its oldest messages were dropped.</returns>
    /// <exception cref="ArgumentException">A message alone is larger than <see cref="ChatSessionOptions.MaxBytes"/>.</exception>
    ValueTask<ChatSessionAppendResult> AppendAsync(string sessionId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Reads a session's messages, oldest first.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The messages; empty for a session that does not exist or has expired.</returns>
    ValueTask<IReadOnlyList<ChatMessage>> ReadAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a session.</summary>
    /// <param name="sessionId">The session.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> when it existed.</returns>
    ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of <see cref="IChatSessionStore.AppendAsync"/>.</summary>
/// <param name="MessageCount">The messages the session holds now.</param>
/// <param name="ByteCount">Their size in bytes.</param>
/// <param name="TrimmedCount">How many of the oldest messages were dropped to stay within the caps.</param>
public readonly record struct ChatSessionAppendResult(int MessageCount, long ByteCount, int TrimmedCount);
