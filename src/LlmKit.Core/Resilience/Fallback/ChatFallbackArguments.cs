using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Resilience.Fallback;

/// <summary>What <see cref="ChatFallbackOptions.CachedResponse"/> receives.</summary>
/// <param name="ClientName">The client that failed.</param>
/// <param name="Messages">The messages of the call.</param>
/// <param name="Options">The options of the call, if any.</param>
/// <param name="Failure">The failure that led to the fallback.</param>
public readonly record struct ChatFallbackArguments(
    string ClientName, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, LlmException Failure);
