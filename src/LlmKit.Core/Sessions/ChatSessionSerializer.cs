using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmKit.Sessions;

/// <summary>
/// The stored form of a session's messages, shared by every <see cref="IChatSessionStore"/>: each message as UTF-8 JSON
/// in Microsoft.Extensions.AI's serialization (<see cref="AIJsonUtilities.DefaultOptions"/>), so stores agree on sizes
/// and a session written by one can be read by another.
/// </summary>
public static class ChatSessionSerializer
{
    private static readonly JsonTypeInfo<ChatMessage> MessageTypeInfo =
        (JsonTypeInfo<ChatMessage>)AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage));

    /// <summary>Serializes a message.</summary>
    /// <param name="message">The message.</param>
    /// <returns>Its UTF-8 JSON.</returns>
    public static byte[] Serialize(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return JsonSerializer.SerializeToUtf8Bytes(message, MessageTypeInfo);
    }

    /// <summary>Reads a message back.</summary>
    /// <param name="utf8Json">Its UTF-8 JSON.</param>
    /// <returns>The message.</returns>
    /// <exception cref="JsonException">The bytes are not a serialized message.</exception>
    public static ChatMessage Deserialize(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, MessageTypeInfo) ?? throw new JsonException("A stored chat message was null.");

    /// <summary>Serializes messages for an append, checking the session id and that each message fits the byte cap.</summary>
    /// <param name="sessionId">The session id (1 to 200 characters).</param>
    /// <param name="messages">The messages.</param>
    /// <param name="options">The caps.</param>
    /// <returns>Each message's UTF-8 JSON, in order.</returns>
    /// <exception cref="ArgumentException">The session id is invalid, or a message alone exceeds <see cref="ChatSessionOptions.MaxBytes"/>.</exception>
    public static byte[][] SerializeForAppend(string sessionId, IReadOnlyList<ChatMessage> messages, ChatSessionOptions options)
    {
        ValidateSessionId(sessionId);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(options);
        var serialized = new byte[messages.Count][];
        for (int i = 0; i < messages.Count; i++)
        {
            serialized[i] = Serialize(messages[i] ?? throw new ArgumentException("A message is null.", nameof(messages)));
            if (serialized[i].Length > options.MaxBytes)
            {
                throw new ArgumentException(
                    $"Message {i} of the append to session '{sessionId}' is {serialized[i].Length} bytes, more than the session may hold (LlmKit:ChatSessions:MaxBytes = {options.MaxBytes}).",
                    nameof(messages));
            }
        }

        return serialized;
    }

    /// <summary>Checks a session id: 1 to 200 characters, not only whitespace.</summary>
    /// <param name="sessionId">The id.</param>
    /// <exception cref="ArgumentException">The id is invalid.</exception>
    public static void ValidateSessionId(string sessionId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        if (sessionId.Length > ChatSessionConstants.MaxSessionIdLength)
        {
            throw new ArgumentException($"A session id has at most {ChatSessionConstants.MaxSessionIdLength} characters, but this one has {sessionId.Length}.", nameof(sessionId));
        }
    }
}
