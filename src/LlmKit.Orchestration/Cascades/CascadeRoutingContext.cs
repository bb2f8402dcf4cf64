using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Cascades;

/// <summary>What a cascade's router sees.</summary>
/// <param name="Messages">The conversation.</param>
/// <param name="Options">Options that carry the cascade's logical call: pass them to any model call the router makes, so it is recorded under the cascade.</param>
/// <param name="Tiers">The tier names, cheapest first.</param>
public sealed record CascadeRoutingContext(IReadOnlyList<ChatMessage> Messages, ChatOptions Options, IReadOnlyList<string> Tiers);
