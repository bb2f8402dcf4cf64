using Microsoft.Extensions.AI;

namespace LlmKit.Tokens;

/// <summary>
/// Counts the input tokens a chat request will be billed for on a given model: messages, roles, names, tool
/// definitions, tool calls and results, images and the provider's per-message overheads.
/// </summary>
public interface IChatTokenCounter
{
    /// <summary>Counts the input tokens of a request. When the count cannot be exact it errs high, never low.</summary>
    /// <param name="messages">The messages of the request.</param>
    /// <param name="options">The request options (tools, response format), if any.</param>
    /// <param name="modelId">The model id; the default encoding's rules apply when it is unknown.</param>
    /// <returns>The number of input tokens.</returns>
    int CountInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? modelId = null);
}
