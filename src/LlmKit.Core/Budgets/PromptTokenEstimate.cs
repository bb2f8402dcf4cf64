using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmKit.Budgets;

/// <summary>A bound on a prompt's tokens when no tokenizer is registered: what budget reservations fall back to.</summary>
internal static class PromptTokenEstimate
{
    /// <summary>
    /// The UTF-8 size of the serialized request: a bound no byte-level BPE can exceed, so a reservation built on it
    /// never reserves too little.
    /// </summary>
    public static long UpperBound(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        long bytes = 0;
        foreach (var message in messages)
        {
            bytes += JsonSerializer.SerializeToUtf8Bytes(message, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage))).Length;
        }

        if (options?.Tools is { Count: > 0 } tools)
        {
            foreach (var tool in tools)
            {
                bytes += Encoding.UTF8.GetByteCount(tool.Name) + Encoding.UTF8.GetByteCount(tool.Description ?? string.Empty);
                if (tool is AIFunctionDeclaration function)
                {
                    bytes += function.JsonSchema.GetRawText().Length;
                }
            }
        }

        if (options?.Instructions is { } instructions)
        {
            bytes += Encoding.UTF8.GetByteCount(instructions);
        }

        return bytes;
    }
}
