using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using WebApi.Chat;

namespace WebApi.Model;

/// <summary>Settings of the offline demo model (section <c>DemoModel</c>).</summary>
public sealed class DemoModelOptions
{
    /// <summary>The pause between streamed text chunks, so streaming is visible in the browser.</summary>
    public TimeSpan ChunkDelay { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>How long the model "thinks" before each answer.</summary>
    public TimeSpan TurnDelay { get; set; } = TimeSpan.FromMilliseconds(150);
}

/// <summary>
/// OFFLINE DEMO MODEL — not a language model. It follows a fixed script so the app runs with no key and no network:
/// the first turn asks for tools (order status and a help-centre search; a refund when the message mentions one), the
/// second streams an answer built from the tool results, word by word. Structured-output requests get a JSON ticket
/// triage. A message containing <c>[outage]</c> makes it fail like an overloaded provider (HTTP 503), so resilience,
/// problem details and the readiness check can be tried offline. Set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real model.
/// </summary>
public sealed partial class OfflineDemoChatClient(IOptions<DemoModelOptions> options, ChatStreamStats stats, TimeProvider time) : IChatClient
{
    public const string ModelId = "offline-demo";

    private static readonly ChatClientMetadata Metadata = new("offline-demo", defaultModelId: ModelId);

    // Announcing native JSON-schema support makes GetObjectAsync<T> use ResponseFormat, which the script answers.
    private static readonly ChatClientCapabilities Capabilities = new() { SupportsJsonSchemaResponseFormat = true };

    private readonly DemoModelOptions _options = options.Value;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        if (options?.ResponseFormat is ChatResponseFormatJson)
        {
            await Task.Delay(_options.TurnDelay, time, cancellationToken);
            ThrowIfOutage(list);
            string json = TriageJson(LastUserText(list));
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, json))
            {
                ModelId = ModelId,
                FinishReason = ChatFinishReason.Stop,
                Usage = Usage(list, json),
            };
        }

        return await GetStreamingResponseAsync(list, options, cancellationToken).ToChatResponseAsync(cancellationToken);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        await Task.Delay(_options.TurnDelay, time, cancellationToken);
        ThrowIfOutage(list);

        var results = list.SkipWhile(m => m.Role != ChatRole.User).SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();
        if (results.Count == 0 && options?.Tools is { Count: > 0 })
        {
            yield return ToolCallTurn(list);
            yield break;
        }

        string answer = Answer(LastUserText(list), results);
        var words = WordsRegex().Matches(answer);
        for (int i = 0; i < words.Count; i++)
        {
            try
            {
                await Task.Delay(_options.ChunkDelay, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller went away mid-answer: count it, so the app can show it stopped working for nobody.
                stats.ModelStreamCancelled();
                throw;
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, words[i].Value) { ModelId = ModelId };
        }

        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(Usage(list, answer))],
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null :
        serviceType == typeof(ChatClientMetadata) ? Metadata :
        serviceType == typeof(ChatClientCapabilities) ? Capabilities :
        serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private static ChatResponseUpdate ToolCallTurn(List<ChatMessage> messages)
    {
        string text = LastUserText(messages);
        string orderId = OrderIdRegex().Match(text) is { Success: true } m ? m.Value.ToUpperInvariant() : "A-1001";
        List<AIContent> calls =
        [
            new FunctionCallContent("call_1", "get_order_status", new Dictionary<string, object?> { ["orderId"] = orderId }),
            new FunctionCallContent("call_2", "search_help_center", new Dictionary<string, object?> { ["query"] = Shorten(text, 60) }),
        ];
        if (text.Contains("refund", StringComparison.OrdinalIgnoreCase))
        {
            calls.Add(new FunctionCallContent("call_3", "issue_refund", new Dictionary<string, object?> { ["orderId"] = orderId, ["amount"] = 20m }));
        }

        calls.Add(new UsageContent(Usage(messages, "tool calls")));
        return new ChatResponseUpdate { Role = ChatRole.Assistant, ModelId = ModelId, FinishReason = ChatFinishReason.ToolCalls, Contents = calls };
    }

    private static string Answer(string question, List<FunctionResultContent> results)
    {
        var answer = new StringBuilder("[offline demo model] ");
        answer.Append("I looked into \"").Append(Shorten(question, 80)).Append("\" for you. ");
        foreach (var result in results)
        {
            answer.Append(result.CallId switch
            {
                "call_1" when Json(result.Result) is { ValueKind: JsonValueKind.Object } order =>
                    $"Order {order.GetProperty("orderId")} is {order.GetProperty("status")} with {order.GetProperty("carrier")}, expected on {order.GetProperty("estimatedDelivery")}. ",
                "call_2" when Json(result.Result) is { ValueKind: JsonValueKind.Array } articles =>
                    "These help-centre articles may help: " + string.Join(" and ", articles.EnumerateArray().Select(a => $"\"{a.GetProperty("title")}\"")) + ". ",
                _ => "A tool answered: " + Shorten(Unwrap(result.Result), 120) + ". ",
            });
        }

        answer.Append("Anything else I can help with? Set OPENAI_API_KEY or ANTHROPIC_API_KEY to talk to a real model.");
        return answer.ToString();
    }

    private static string TriageJson(string ticket)
    {
        string lower = ticket.ToLowerInvariant();
        string category = lower.Contains("refund") || lower.Contains("charge") ? "billing"
            : lower.Contains("parcel") || lower.Contains("delivery") || lower.Contains("order") ? "shipping"
            : "general";
        string priority = lower.Contains("urgent") || lower.Contains("angry") || lower.Contains('!') ? "high" : "normal";
        return JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["category"] = category,
            ["priority"] = priority,
            ["summary"] = Shorten(ticket, 80),
        });
    }

    private static void ThrowIfOutage(List<ChatMessage> messages)
    {
        if (LastUserText(messages).Contains("[outage]", StringComparison.OrdinalIgnoreCase))
        {
            throw new LlmException(LlmErrorKind.Overloaded, "The offline demo model simulates an overloaded provider (HTTP 503).")
            {
                StatusCode = 503,
                Model = ModelId,
                Provider = "offline-demo",
            };
        }
    }

    private static UsageDetails Usage(List<ChatMessage> input, string output) => new()
    {
        InputTokenCount = input.Sum(m => (long)m.Text.Length) / 4 + 20,
        OutputTokenCount = output.Length / 4 + 1,
        TotalTokenCount = input.Sum(m => (long)m.Text.Length) / 4 + 20 + output.Length / 4 + 1,
    };

    private static string LastUserText(List<ChatMessage> messages) => messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;

    // Tool output arrives wrapped in an untrusted-data envelope; the demo reads the data inside it.
    private static string Unwrap(object? value) =>
        EnvelopeRegex().Replace(value is JsonElement element ? element.ToString() : value?.ToString() ?? string.Empty, string.Empty).Trim();

    private static JsonElement? Json(object? value)
    {
        try
        {
            return JsonDocument.Parse(Unwrap(value)).RootElement;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 3)] + "...";

    [GeneratedRegex(@"\S+\s*")]
    private static partial Regex WordsRegex();

    [GeneratedRegex(@"\b[A-Za-z]-?\d{3,}\b")]
    private static partial Regex OrderIdRegex();

    [GeneratedRegex(@"</?tool-output[^>]*>")]
    private static partial Regex EnvelopeRegex();
}
