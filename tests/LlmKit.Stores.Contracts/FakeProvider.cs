using System.Runtime.CompilerServices;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Stores.Contracts;

/// <summary>
/// A provider that answers every call with 20 input and 30 output tokens from gpt-4o-mini after a short delay, and
/// fails the calls whose prompt says "fail" (a server error, after the call was admitted). With <c>hang</c> set it
/// never answers: a call stays in flight, holding its budget reservation, until the process dies.
/// </summary>
public sealed class FakeProvider(bool hang = false, Action? entered = null) : IChatClient
{
    /// <summary>The input tokens of every answer.</summary>
    public const long InputTokens = 20;

    /// <summary>The output tokens of every answer.</summary>
    public const long OutputTokens = 30;

    /// <summary>What one answered call costs on gpt-4o-mini ($0.15 and $0.60 per million input and output tokens).</summary>
    public const decimal CostPerCall = (InputTokens * 0.15m + OutputTokens * 0.60m) / 1_000_000m;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await EnterAsync(messages, cancellationToken);
        await Task.Delay(2, cancellationToken);
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
        await EnterAsync(messages, cancellationToken);
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

    private async Task EnterAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        entered?.Invoke();
        if (hang)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (messages.Any(m => m.Text.Contains("fail", StringComparison.Ordinal)))
        {
            throw new LlmException(LlmErrorKind.ServerError, "The fake provider failed as asked.");
        }
    }
}
