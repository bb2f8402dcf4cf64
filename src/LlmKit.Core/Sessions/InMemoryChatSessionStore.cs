using Microsoft.Extensions.AI;

namespace LlmKit.Sessions;

/// <summary>
/// Chat sessions in process memory, for one app instance (several replicas need a shared store). Thread-safe; times come
/// from the <see cref="TimeProvider"/>. Expired sessions are dropped when met and by a sweep every few hundred appends.
/// </summary>
public sealed class InMemoryChatSessionStore : IChatSessionStore
{
    private const int SweepEvery = 256;

    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly ChatSessionOptions _options;
    private readonly TimeProvider _timeProvider;
    private int _appendsSinceSweep;

    /// <summary>Initializes a new instance of the <see cref="InMemoryChatSessionStore"/> class.</summary>
    /// <param name="options">The caps and time to live; defaults when omitted.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when omitted.</param>
    public InMemoryChatSessionStore(ChatSessionOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new ChatSessionOptions();
        _options.EnsureValid();
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public ValueTask<ChatSessionAppendResult> AppendAsync(string sessionId, IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        var serialized = ChatSessionSerializer.SerializeForAppend(sessionId, messages, _options);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _timeProvider.GetUtcNow();
        lock (_sessions)
        {
            if (++_appendsSinceSweep >= SweepEvery)
            {
                _appendsSinceSweep = 0;
                foreach (var (id, expired) in _sessions)
                {
                    if (expired.ExpiresAt <= now)
                    {
                        _sessions.Remove(id);
                    }
                }
            }

            if (!_sessions.TryGetValue(sessionId, out var session) || session.ExpiresAt <= now)
            {
                session = new Session();
                _sessions[sessionId] = session;
            }

            foreach (byte[] message in serialized)
            {
                session.Messages.Enqueue(message);
                session.Bytes += message.Length;
            }

            int trimmed = 0;
            while (session.Messages.Count > _options.MaxMessages || session.Bytes > _options.MaxBytes)
            {
                session.Bytes -= session.Messages.Dequeue().Length;
                trimmed++;
            }

            session.ExpiresAt = now + _options.TimeToLive;
            return ValueTask.FromResult(new ChatSessionAppendResult(session.Messages.Count, session.Bytes, trimmed));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChatMessage>> ReadAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ChatSessionSerializer.ValidateSessionId(sessionId);
        byte[][] stored;
        lock (_sessions)
        {
            if (!_sessions.TryGetValue(sessionId, out var session) || session.ExpiresAt <= _timeProvider.GetUtcNow())
            {
                return ValueTask.FromResult<IReadOnlyList<ChatMessage>>([]);
            }

            stored = session.Messages.ToArray();
        }

        // Deserialized outside the lock, and fresh for every read: callers may change the messages they get.
        return ValueTask.FromResult<IReadOnlyList<ChatMessage>>(Array.ConvertAll(stored, m => ChatSessionSerializer.Deserialize(m)));
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        ChatSessionSerializer.ValidateSessionId(sessionId);
        lock (_sessions)
        {
            bool existed = _sessions.Remove(sessionId, out var session) && session.ExpiresAt > _timeProvider.GetUtcNow();
            return ValueTask.FromResult(existed);
        }
    }

    private sealed class Session
    {
        public Queue<byte[]> Messages { get; } = new();

        public long Bytes { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }
    }
}
