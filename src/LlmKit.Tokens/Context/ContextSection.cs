namespace LlmKit.Context;

/// <summary>The parts a <see cref="ContextBudget"/> splits a model's context window into.</summary>
public enum ContextSection
{
    /// <summary>System (and developer) messages. Never dropped.</summary>
    System,

    /// <summary>Tool definitions from the chat options. Never dropped.</summary>
    Tools,

    /// <summary>Earlier conversation turns. The oldest unpinned turns are dropped after the retrieved context.</summary>
    History,

    /// <summary>Retrieved chunks (RAG). The lowest-ranked chunks are dropped first.</summary>
    RetrievedContext,

    /// <summary>The new user message. Never dropped or cut.</summary>
    UserMessage,

    /// <summary>Tokens kept free for the model's answer.</summary>
    OutputReserve,
}

/// <summary>The tokens planned for a section and the tokens it actually takes after fitting.</summary>
/// <param name="Planned">The section's allowance: its cap for history and retrieved context, its own size for fixed sections.</param>
/// <param name="Actual">The tokens the section takes in the fitted prompt.</param>
public readonly record struct SectionTokens(int Planned, int Actual);

/// <summary>A retrieved passage offered to a <see cref="ContextBudget"/>.</summary>
/// <param name="Text">The passage text.</param>
/// <param name="Score">Its relevance; higher is better. The lowest-scoring chunks are dropped first (later ones on ties).</param>
public sealed record ContextChunk(string Text, double Score)
{
    /// <summary>Gets an identifier for the chunk (a document id, a URL), for reporting which chunks were dropped.</summary>
    public string? Id { get; init; }
}
