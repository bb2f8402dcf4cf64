using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Conversations;

/// <summary>Where a conversation stands.</summary>
public enum ChatSessionState
{
    /// <summary>The conversation goes on.</summary>
    Open,

    /// <summary>The assistant stopped and handed the conversation over; further turns are refused.</summary>
    Abandoned,
}

/// <summary>A stored conversation: its messages (the oldest possibly summarised), how often the assistant has asked back, and its state.</summary>
/// <param name="Id">The session id.</param>
public sealed record ChatSession(string Id)
{
    /// <summary>Gets the history, oldest first: perhaps a summary (marked <c>llmkit.summary</c>), pinned messages, then the recent turns.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>Gets how many clarifying questions the assistant has asked since it last answered.</summary>
    public int Clarifications { get; init; }

    /// <summary>Gets how many turns the session has had.</summary>
    public int Turns { get; init; }

    /// <summary>Gets how many times older turns were summarised.</summary>
    public int Compactions { get; init; }

    /// <summary>Gets the state.</summary>
    public ChatSessionState State { get; init; }

    /// <summary>Gets why the session was abandoned, for the person it is handed to.</summary>
    public string? AbandonReason { get; init; }

    /// <summary>Gets when the session last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}
