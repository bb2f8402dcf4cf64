using System.Collections.Concurrent;

namespace LlmKit.Orchestration.Conversations;

/// <summary>Keeps chat sessions between turns. <see cref="InMemoryChatSessionStore"/> serves one process; a shared store implements the same contract.</summary>
public interface IChatSessionStore
{
    /// <summary>Loads a session.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The session, or <see langword="null"/> when there is none yet.</returns>
    ValueTask<ChatSession?> LoadAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Saves a session, replacing the stored one.</summary>
    /// <param name="session">The session.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when it is stored.</returns>
    ValueTask SaveAsync(ChatSession session, CancellationToken cancellationToken = default);
}

/// <summary>Chat sessions in process memory.</summary>
public sealed class InMemoryChatSessionStore : IChatSessionStore
{
    private readonly ConcurrentDictionary<string, ChatSession> _sessions = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<ChatSession?> LoadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return ValueTask.FromResult(_sessions.GetValueOrDefault(sessionId));
    }

    /// <inheritdoc />
    public ValueTask SaveAsync(ChatSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions[session.Id] = session with { Messages = session.Messages.ToArray() };
        return ValueTask.CompletedTask;
    }
}
