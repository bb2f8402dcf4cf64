using System.Runtime.CompilerServices;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace StructuredExtraction;

/// <summary>
/// THE OFFLINE DEMO MODEL — not a language model. It knows the bundled inputs only and answers them the way a real
/// model plausibly would, mistakes included: its first answer to the e-mailed invoice takes the quantity from the
/// quoted reply and drops the discount line; its first answer to the chat invoice writes the currency as "£". It
/// corrects a mistake only when the errors LlmKit sends back name it, so the retry you see is driven by the fed-back
/// errors, exactly as with a real model. Set OPENAI_API_KEY or ANTHROPIC_API_KEY to use one.
/// </summary>
/// <remarks>
/// It reports itself as an OpenAI-compatible server that honours JSON-schema response formats without enforcing them
/// strictly (like many self-hosted servers), so structured output picks the native strategy and the model can still
/// get the schema wrong.
/// </remarks>
public sealed class OfflineDemoModel(TimeProvider timeProvider) : IChatClient
{
    public const string ModelId = "offline-demo";

    private static readonly ChatClientCapabilities Capabilities = new()
    {
        SupportsJsonSchemaResponseFormat = true,
        SupportsStrictJsonSchema = false,
    };

    private readonly ChatClientMetadata _metadata = new("offline-demo", null, ModelId);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var conversation = messages.ToList();
        var answer = Answer(conversation);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, [answer]))
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            Usage = UsageOf(conversation, answer),
            CreatedAt = timeProvider.GetUtcNow(),
        };
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var conversation = messages.ToList();
        var answer = Answer(conversation);
        if (answer is TextContent { Text: var text })
        {
            // Small pieces with a pause between them, so the partial objects are visible as they grow.
            const int ChunkLength = 24;
            for (int start = 0; start < text.Length; start += ChunkLength)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(8), timeProvider, cancellationToken);
                yield return new ChatResponseUpdate(ChatRole.Assistant, text.Substring(start, Math.Min(ChunkLength, text.Length - start))) { ModelId = ModelId };
            }
        }
        else
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, [answer]) { ModelId = ModelId };
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(UsageOf(conversation, answer))])
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null :
        serviceType == typeof(ChatClientCapabilities) ? Capabilities :
        serviceType == typeof(ChatClientMetadata) ? _metadata :
        serviceType.IsInstanceOfType(this) ? this :
        null;

    public void Dispose()
    {
    }

    private static AIContent Answer(List<ChatMessage> conversation)
    {
        string document = conversation.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;

        // Everything LlmKit sent back after an earlier answer: the validation errors, with JSON pointers.
        string feedback = string.Join('\n', conversation
            .SkipWhile(m => m.Role != ChatRole.Assistant)
            .Where(m => m.Role == ChatRole.User || m.Role == ChatRole.Tool)
            .Select(m => m.Text));

        if (document.Contains("INV-2025-0147", StringComparison.Ordinal))
        {
            // First answer: 3 chairs (from the quoted reply "3 instead of 4") and no discount line.
            bool fixLines = feedback.Contains("/lines", StringComparison.Ordinal) || feedback.Contains("/total", StringComparison.Ordinal);
            string chairs = fixLines
                ? """{"description":"Ergonomic chair \"Aria\", graphite","kind":"Goods","quantity":4,"unitPrice":189.00,"amount":756.00}"""
                : """{"description":"Ergonomic chair \"Aria\", graphite","kind":"Goods","quantity":3,"unitPrice":189.00,"amount":756.00}""";
            string discount = fixLines ? """,{"description":"Discount 5% (loyalty)","kind":"Discount","quantity":1,"unitPrice":-77.00,"amount":-77.00}""" : "";
            return new TextContent(
                $$"""{"invoiceNumber":"INV-2025-0147","vendor":"Brightline Supplies GmbH","customer":"Contoso Ltd","billingEmail":"billing@brightline-supplies.example","issueDate":"2025-03-03","dueDate":"2025-04-02","currency":"EUR","lines":[{{chairs}},{"description":"Monitor arm, dual","kind":"Goods","quantity":12,"unitPrice":44.50,"amount":534.00},{"description":"Installation & cabling (flat fee)","kind":"Service","quantity":1,"unitPrice":250.00,"amount":250.00}{{discount}}],"total":1463.00}""");
        }

        if (document.Contains("NW-3310", StringComparison.Ordinal))
        {
            // First answer: "quid" became "£", which is not one of the currency codes the schema allows.
            string currency = feedback.Contains("/currency", StringComparison.Ordinal) ? "GBP" : "£";
            return new TextContent(
                $$"""{"invoiceNumber":"NW-3310","vendor":"Northwind Cafe Ltd","customer":"Contoso","billingEmail":"accounts@northwind-cafe.example","issueDate":"2025-04-14","dueDate":"2025-04-28","currency":"{{currency}}","lines":[{"description":"Lunch box","kind":"Goods","quantity":40,"unitPrice":11.50,"amount":460.00},{"description":"Coffee urn (10 l)","kind":"Goods","quantity":2,"unitPrice":35.00,"amount":70.00}],"total":530.00}""");
        }

        if (document.Contains("Weekly ops sync", StringComparison.Ordinal))
        {
            return Refusals.Create("I can't extract an invoice from this text: it is meeting notes, with no invoice number, no seller and no amounts.");
        }

        return Refusals.Create("The offline demo model only knows the bundled inputs. Set OPENAI_API_KEY or ANTHROPIC_API_KEY to extract from your own text.");
    }

    // About four characters per token: close enough for a demo, and deterministic.
    private static UsageDetails UsageOf(List<ChatMessage> conversation, AIContent answer)
    {
        long input = conversation.Sum(m => (long)m.Text.Length) / 4 + 350; // + the JSON schema sent in the response format
        long output = Math.Max(1, (answer is TextContent t ? t.Text.Length : ((ErrorContent)answer).Message.Length) / 4);
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }
}
