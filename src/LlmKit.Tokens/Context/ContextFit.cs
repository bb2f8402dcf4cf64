using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Context;

/// <summary>The outcome of <see cref="ContextBudget.Fit"/>: the prompt to send, what was dropped and why, and the tokens per section.</summary>
public sealed class ContextFit
{
    internal ContextFit() { }

    /// <summary>Gets a value indicating whether the prompt fits the window with the output reserve kept free.</summary>
    public bool Fits { get; internal init; }

    /// <summary>Gets why the prompt does not fit, or <see langword="null"/> when it does.</summary>
    public string? FailureReason { get; internal init; }

    /// <summary>Gets the prompt: system messages, kept history, the context message (when any chunk is kept), the user message.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; internal init; } = [];

    /// <summary>Gets the chunks kept, in their original order.</summary>
    public IReadOnlyList<ContextChunk> IncludedChunks { get; internal init; } = [];

    /// <summary>Gets the chunks dropped, in the order they were dropped (lowest-ranked first).</summary>
    public IReadOnlyList<ContextChunk> DroppedChunks { get; internal init; } = [];

    /// <summary>Gets the history messages dropped, oldest first. Whole messages only: nothing is ever cut.</summary>
    public IReadOnlyList<ChatMessage> DroppedHistory { get; internal init; } = [];

    /// <summary>Gets the planned and actual tokens of each section.</summary>
    public IReadOnlyDictionary<ContextSection, SectionTokens> Sections { get; internal init; } = new Dictionary<ContextSection, SectionTokens>();

    /// <summary>Gets the input tokens of <see cref="Messages"/> with the request's tools, as the chat token counter counts them.</summary>
    public int InputTokens { get; internal init; }

    /// <summary>Gets the input tokens available: the context window less the output reserve.</summary>
    public int AvailableInputTokens { get; internal init; }

    /// <summary>Throws when the prompt does not fit.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="LlmException">With <see cref="LlmErrorKind.ContextLengthExceeded"/> and <see cref="FailureReason"/>.</exception>
    public ContextFit EnsureFits() =>
        Fits ? this : throw new LlmException(LlmErrorKind.ContextLengthExceeded, FailureReason ?? "The prompt does not fit the context window.");
}
