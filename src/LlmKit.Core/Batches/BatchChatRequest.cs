using Microsoft.Extensions.AI;

namespace LlmKit.Batches;

/// <summary>One chat request of a batch: the conversation and options it would have as an ordinary call, and the id its result comes back under.</summary>
/// <param name="CustomId">
/// The caller's id for the request, unique within the batch; results are matched back by it. Anthropic allows 1 to 64
/// characters of <c>a-z A-Z 0-9 _ -</c>; use that alphabet for ids that work everywhere.
/// </param>
/// <param name="Messages">The conversation.</param>
/// <param name="Options">The options (model, temperature, output limit, response format, tools); the model is required unless the batch client has a default.</param>
public sealed record BatchChatRequest(string CustomId, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options = null);
