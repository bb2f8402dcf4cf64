using Microsoft.Extensions.AI;

namespace LlmKit.Context;

/// <summary>What to fit into a model's window: the fixed parts and the parts that may be dropped.</summary>
public sealed class ContextBudgetRequest
{
    /// <summary>Gets the system (or developer) messages, first in the prompt. Never dropped.</summary>
    public IList<ChatMessage> System { get; init; } = [];

    /// <summary>Gets the chat options whose tool definitions count against the window. Never dropped.</summary>
    public ChatOptions? Options { get; init; }

    /// <summary>Gets the earlier turns, oldest first. A tool call and its results form one turn that is kept or dropped whole.</summary>
    public IList<ChatMessage> History { get; init; } = [];

    /// <summary>Gets the history messages that must be kept (by reference). Pinning a tool call or result pins its whole turn.</summary>
    public IReadOnlySet<ChatMessage> PinnedHistory { get; init; } = new HashSet<ChatMessage>();

    /// <summary>Gets the retrieved chunks, in the order they should appear.</summary>
    public IList<ContextChunk> RetrievedContext { get; init; } = [];

    /// <summary>Gets the new user message, last in the prompt. Never dropped or cut.</summary>
    public ChatMessage? UserMessage { get; init; }
}
