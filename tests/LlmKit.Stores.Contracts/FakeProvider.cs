using System.Runtime.CompilerServices;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// A provider that answers every call with 20 input and 30 output tokens from gpt-4o-mini after a short delay, and
/// fails the calls whose prompt says "fail" (a server error, after the call was admitted).
/// </summary>
public sealed class FakeProvider : IChatClient
{
    public const long InputTokens = 20;
    public const long OutputTokens = 30;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await Task.Delay(2, cancellationToken);
        Check(messages);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
        {
            ModelId = "gpt-4o-mini",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = InputTokens, OutputTokenCount = OutputTokens, TotalTokenCount = InputTokens + OutputTokens },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Check(messages);
        yield return new ChatResponseUpdate(ChatRole.Assistant, "o") { ModelId = "gpt-4o-mini" };
        await Task.Delay(2, cancellationToken);
        yield return new ChatResponseUpdate(ChatRole.Assistant, "k") { ModelId = "gpt-4o-mini" };
        yield return new ChatResponseUpdate
        {
            ModelId = "gpt-4o-mini",
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = InputTokens, OutputTokenCount = OutputTokens, TotalTokenCount = InputTokens + OutputTokens })],
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    private static void Check(IEnumerable<ChatMessage> messages)
    {
        if (messages.Any(m => m.Text.Contains("fail", StringComparison.Ordinal)))
        {
            throw new LlmException(LlmErrorKind.ServerError, "The fake provider failed as asked.");
        }
    }
}
