using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ToolAgent;

/// <summary>
/// THE OFFLINE DEMO MODEL — not a language model. It acts out the bundled support requests the way a real model
/// would: it reads the conversation (the request, its own earlier calls, the tool results) and asks for the next
/// tools, several at once when they are independent, and answers from what the tools returned. It knows nothing
/// else. Set OPENAI_API_KEY or ANTHROPIC_API_KEY to use a real model.
/// </summary>
public sealed class OfflineDemoModel(TimeProvider timeProvider) : IChatClient
{
    public const string ModelId = "offline-demo";

    private readonly ChatClientMetadata _metadata = new("offline-demo", null, ModelId);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var conversation = messages.ToList();
        var contents = Next(conversation);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = ModelId,
            FinishReason = contents.Any(c => c is FunctionCallContent) ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = UsageOf(conversation, contents),
            CreatedAt = timeProvider.GetUtcNow(),
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var conversation = messages.ToList();
        var contents = Next(conversation);
        await Task.Delay(TimeSpan.FromMilliseconds(30), timeProvider, cancellationToken); // "thinking"
        foreach (var content in contents)
        {
            if (content is TextContent { Text: var text })
            {
                foreach (string word in text.Split(' '))
                {
                    yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ") { ModelId = ModelId };
                }
            }
            else
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [content]) { ModelId = ModelId };
            }
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(UsageOf(conversation, contents))])
        {
            ModelId = ModelId,
            FinishReason = contents.Any(c => c is FunctionCallContent) ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null :
        serviceType == typeof(ChatClientMetadata) ? _metadata :
        serviceType.IsInstanceOfType(this) ? this :
        null;

    public void Dispose()
    {
    }

    private static List<AIContent> Next(List<ChatMessage> conversation)
    {
        string request = conversation.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        int turn = conversation.Count(m => m.Role == ChatRole.Assistant);
        string lastResult = conversation.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault()?.Result?.ToString() ?? string.Empty;
        FunctionCallContent Call(string name, Dictionary<string, object?> arguments, int index = 0) => new($"call_{turn + 1}_{index + 1}", name, arguments);

        if (request.Contains("A-1001", StringComparison.Ordinal))
        {
            // The lookup and the policy do not depend on each other: one turn, two calls, run in parallel.
            return turn switch
            {
                0 => [Call("lookup_order", new() { ["orderId"] = "A-1001" }), Call("get_refund_policy", new() { ["category"] = "kitchen" }, 1)],
                1 => [Call("refund_order", new() { ["orderId"] = "A-1001", ["amount"] = 34.90m, ["reason"] = "Kettle arrived damaged (cracked lid)." })],
                _ => [Answer(lastResult, "I refunded 34.90 EUR for the damaged kettle on order A-1001; the policy says no return is needed. The money is on its way to your original payment method.")],
            };
        }

        if (request.Contains("Z-0042", StringComparison.Ordinal))
        {
            return turn == 0
                ? [Call("lookup_order", new() { ["orderId"] = "Z-0042" })]
                : [Answer(lastResult, "I found the order.")];
        }

        if (request.Contains("A-1002", StringComparison.Ordinal))
        {
            return turn switch
            {
                0 => [Call("lookup_order", new() { ["orderId"] = "A-1002" })],
                1 => [Call("refund_order", new() { ["orderId"] = "A-1002", ["amount"] = 649.00m, ["reason"] = "Changed their mind; laptop unopened." })],
                _ => [Answer(lastResult, "I refunded the full 649.00 EUR for the laptop on order A-1002.")],
            };
        }

        if (request.Contains("A-1003", StringComparison.Ordinal))
        {
            return turn switch
            {
                0 => [Call("lookup_order", new() { ["orderId"] = "A-1003" }), Call("get_refund_policy", new() { ["category"] = "furniture" }, 1)],
                1 => [Call("refund_order", new() { ["orderId"] = "A-1003", ["amount"] = 120.00m, ["reason"] = "Standing desk delivered 9 days late." })],
                _ => [Answer(lastResult, "A supervisor approved a goodwill refund of 120.00 EUR (25%) for the late delivery of order A-1003.")],
            };
        }

        if (request.Contains("every order", StringComparison.OrdinalIgnoreCase))
        {
            // The runaway: one lookup per turn, never done. Only the loop's limits stop it.
            return [Call("lookup_order", new() { ["orderId"] = $"A-10{turn + 1:00}" })];
        }

        return [new TextContent("(offline demo model) I can only act out the bundled support requests. Set OPENAI_API_KEY or ANTHROPIC_API_KEY to talk to a real model.")];
    }

    // Answers from the last tool result, as a model would: a failed tool gets an apology, not a made-up success.
    private static TextContent Answer(string lastResult, string success) =>
        new(lastResult.Contains("Error:", StringComparison.Ordinal)
            ? "I'm sorry: I couldn't complete that because one of our systems is not answering. I've noted your request and a colleague will follow up by e-mail."
            : success);

    // About four characters per token plus the tool definitions: close enough for a demo, and deterministic.
    private static UsageDetails UsageOf(List<ChatMessage> conversation, List<AIContent> answer)
    {
        long input = 420 + conversation.Sum(m => m.Contents.Sum(c => (long)(c switch
        {
            TextContent t => t.Text.Length,
            FunctionResultContent r => r.Result?.ToString()?.Length ?? 0,
            _ => 80,
        }))) / 4;
        long output = answer.Sum(c => c is TextContent t ? t.Text.Length / 4 : 30L);
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }
}
