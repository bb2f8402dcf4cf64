using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.Cascades;

/// <summary>One step of a cascade: a client (usually a named LlmKit client, so its budget, ledger and resilience apply) and, optionally, the model to ask.</summary>
/// <param name="Name">The tier's name, reported as <see cref="CascadeResult{T}.AnsweredBy"/> (for example <c>mini</c>, <c>strong</c>).</param>
/// <param name="Client">The client the tier calls.</param>
/// <param name="ModelId">The model to ask; <see langword="null"/> for the client's default. A model set on the call's own options is never used: each tier names its own.</param>
public sealed record CascadeTier(string Name, IChatClient Client, string? ModelId = null);
