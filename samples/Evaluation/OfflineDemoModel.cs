using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace ExtractionEvaluation;

/// <summary>
/// THE OFFLINE DEMO MODEL — a simulation, not a language model. It is given the right answer for each bundled input
/// and answers the way a model plausibly would, randomly wrong in ways that depend on the instructions:
/// <list type="bullet">
/// <item>without "quoted replies … are context", it often takes the customer from a quoted reply's signature;</item>
/// <item>without "use only what the text says", it often invents a due date 30 days out when none is stated;</item>
/// <item>without "YYYY-MM-DD", it often reads a day-first date (03.04.2025) month-first;</item>
/// <item>whatever the prompt, it sometimes drops a legal suffix from the vendor, and sometimes misreads a quantity,
/// which LlmKit's validation catches and the model fixes when the fed-back errors name the lines.</item>
/// </list>
/// Its randomness is seeded by the request and by how many times that exact request was seen, so a run is
/// reproducible and the repetitions of a case differ. Set OPENAI_API_KEY to evaluate a real model instead.
/// </summary>
public sealed class OfflineDemoModel : IChatClient
{
    public const string ModelId = "offline-demo";

    private static readonly ChatClientCapabilities Capabilities = new() { SupportsJsonSchemaResponseFormat = true, SupportsStrictJsonSchema = false };

    private readonly IReadOnlyDictionary<string, string> _answers;
    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly ChatClientMetadata _metadata = new("offline-demo", null, ModelId);

    /// <summary>Creates the model from the right answers: input text → invoice JSON.</summary>
    public OfflineDemoModel(IReadOnlyDictionary<string, string> answers) => _answers = answers;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var conversation = messages.ToList();
        string text = Answer(conversation);
        long input = conversation.Sum(m => (long)m.Text.Length) / 4 + 350, output = Math.Max(1, text.Length / 4);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
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

    private string Answer(List<ChatMessage> conversation)
    {
        string instructions = conversation.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? string.Empty;
        string request = conversation.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        const string Lead = "Extract the invoice from this text:\n\n";
        string document = request.StartsWith(Lead, StringComparison.Ordinal) ? request[Lead.Length..] : request;
        if (!_answers.TryGetValue(document, out string? answer))
        {
            return "I can only extract the bundled demo invoices. Set OPENAI_API_KEY to use a real model.";
        }

        string feedback = string.Join('\n', conversation.SkipWhile(m => m.Role != ChatRole.Assistant).Where(m => m.Role != ChatRole.Assistant).Select(m => m.Text));
        string key = string.Join("\u241E", conversation.Select(m => $"{m.Role}:{m.Text}"));
        int occurrence = _seen.AddOrUpdate(key, 0, (_, n) => n + 1);
        var random = new Random(BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{occurrence}\u241F{key}"))));

        var invoice = JsonNode.Parse(answer)!.AsObject();
        bool Careful(string phrase) => instructions.Contains(phrase, StringComparison.OrdinalIgnoreCase);
        bool Slip(double careful, double careless, string phrase) => random.NextDouble() < (Careful(phrase) ? careful : careless);

        if (document.Contains("\n> ", StringComparison.Ordinal) && Slip(0.03, 0.55, "quoted replies"))
        {
            invoice["customer"] = "Globex Holdings"; // the quoted reply's signature
        }

        if (invoice["dueDate"] is null && Slip(0.03, 0.5, "only what the text says"))
        {
            invoice["dueDate"] = DateOnly.Parse((string)invoice["issueDate"]!, System.Globalization.CultureInfo.InvariantCulture).AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (document.StartsWith("INVOICE", StringComparison.Ordinal) && SwapDayAndMonth((string)invoice["issueDate"]!) is { } swapped && Slip(0.03, 0.6, "YYYY-MM-DD"))
        {
            invoice["issueDate"] = swapped;
            if (invoice["dueDate"] is JsonValue due && DateOnly.Parse((string)due!, System.Globalization.CultureInfo.InvariantCulture) < DateOnly.Parse(swapped, System.Globalization.CultureInfo.InvariantCulture))
            {
                invoice["issueDate"] = answer.Contains("\"issueDate\"", StringComparison.Ordinal) ? (string)JsonNode.Parse(answer)!["issueDate"]! : swapped; // a swap that breaks validation is not made
            }
        }

        if (random.NextDouble() < 0.06)
        {
            string vendor = (string)invoice["vendor"]!;
            int space = vendor.LastIndexOf(' ');
            invoice["vendor"] = space > 0 ? vendor[..space] : vendor;
        }

        bool fixesLines = feedback.Contains("/lines", StringComparison.Ordinal) || feedback.Contains("/total", StringComparison.Ordinal);
        if (!fixesLines && random.NextDouble() < 0.1 && invoice["lines"] is JsonArray { Count: > 0 } lines && lines[0] is JsonObject first)
        {
            first["quantity"] = (decimal)first["quantity"]! + 1; // validation catches: quantity × unit price ≠ amount
        }

        return invoice.ToJsonString();
    }

    // 2025-03-04 read from 04.03.2025 the other way round, when both readings are dates.
    private static string? SwapDayAndMonth(string iso)
    {
        var date = DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
        return date.Day <= 12 && date.Day != date.Month ? new DateOnly(date.Year, date.Day, date.Month).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
