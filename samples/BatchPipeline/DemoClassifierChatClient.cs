using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace BatchPipeline;

/// <summary>Settings of the offline demo model, bound from the <c>DemoModel</c> section.</summary>
public sealed class DemoModelOptions
{
    /// <summary>The configuration section: <c>DemoModel</c>.</summary>
    public const string SectionName = "DemoModel";

    /// <summary>The model id the demo reports; appsettings.json gives it a price in the model catalog.</summary>
    public const string ModelId = "demo-classifier";

    /// <summary>Gets or sets the typical simulated latency of one call (each document varies it deterministically, ±50%).</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets every how many calls the demo answers 429 with a Retry-After; 0 never.</summary>
    public int RateLimitEvery { get; set; } = 12;

    /// <summary>Gets or sets the Retry-After of a simulated 429.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets how often (1 in N documents, chosen by content hash) the first answer is invalid; 0 never.</summary>
    public int InvalidFirstAnswerEvery { get; set; } = 6;
}

/// <summary>
/// OFFLINE DEMO MODEL — not a language model. A deterministic keyword classifier that speaks the chat protocol: it
/// answers in JSON after a simulated latency, reports token usage, gets one answer in N wrong on purpose (so the
/// structured-output validation retry shows up), answers 429 with Retry-After every N calls (so the resilience
/// retry shows up), and cannot make sense of documents without words (so a failure shows up).
/// </summary>
public sealed class DemoClassifierChatClient : IChatClient
{

    // The demo says it honours JSON-schema response formats, so GetObjectAsync asks for JSON directly.
    private static readonly ChatClientCapabilities Capabilities = new() { SupportsJsonSchemaResponseFormat = true };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly DemoModelOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly string _modelId;
    private readonly ChatClientMetadata _metadata;
    private long _calls;

    /// <param name="options">How the demo behaves.</param>
    /// <param name="timeProvider">The clock of the simulated latency.</param>
    /// <param name="modelId">The model the demo answers as (the catalog prices it); the cascade mode runs a second, "stronger" one.</param>
    public DemoClassifierChatClient(DemoModelOptions options, TimeProvider? timeProvider = null, string modelId = DemoModelOptions.ModelId)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _modelId = modelId;
        _metadata = new("llmkit-demo", null, modelId);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var conversation = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        long call = Interlocked.Increment(ref _calls);
        string document = DocumentOf(conversation);
        uint hash = StableHash(document);

        // ±50% around the configured latency, fixed per document, so runs are repeatable but not lock-step.
        var latency = _options.Latency * (0.5 + (hash % 101) / 100.0);
        await Task.Delay(latency, _timeProvider, cancellationToken);

        if (_options.RateLimitEvery > 0 && call % _options.RateLimitEvery == 0)
        {
            throw new LlmException(LlmErrorKind.RateLimited, "Demo model: rate limit reached (simulated 429).")
            {
                StatusCode = 429,
                RetryAfter = _options.RetryAfter,
                Provider = _metadata.ProviderName,
                Model = _modelId,
            };
        }

        // A retry carries the model's earlier answer (and what was wrong with it): answer properly this time.
        bool isRetry = conversation.Any(m => m.Role == ChatRole.Assistant);
        bool answerWrongly = !isRetry && _options.InvalidFirstAnswerEvery > 0 && hash % (uint)_options.InvalidFirstAnswerEvery == 0;
        string json = JsonSerializer.Serialize(Classify(document, answerWrongly), Json);

        long inputTokens = conversation.Sum(m => (long)m.Text.Length) / 4 + 150; // +150: the schema in the request
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, json))
        {
            ModelId = _modelId,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails
            {
                InputTokenCount = inputTokens,
                OutputTokenCount = json.Length / 4,
                TotalTokenCount = inputTokens + json.Length / 4,
            },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType == typeof(ChatClientCapabilities) ? Capabilities
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }

    private static object Classify(string document, bool answerWrongly)
    {
        string text = document.ToLowerInvariant();
        var category =
            Has(text, "refund", "charged", "invoice", "payment", "billing", "vat", "price", "pricing", "seats", "promo") ? TicketCategory.Billing
            : Has(text, "order #", "package", "tracking", "delivery", "shipping", "shipped", "carrier", "wrong item") ? TicketCategory.Shipping
            : Has(text, "crash", "error", "bug", "500", "slow", "not firing", "stopped", "duplicates", "outage", "down") ? TicketCategory.Bug
            : Has(text, "log in", "password", "2fa", "two-factor", "account", "admin", "permissions", "email address") ? TicketCategory.Account
            : Has(text, "would be great", "feature", "would it be possible", "suggestion", "could you add", "request:") ? TicketCategory.FeatureRequest
            : Has(text, "thank", "love", "fantastic", "great") ? TicketCategory.Feedback
            : TicketCategory.Other;
        var sentiment =
            Has(text, "unacceptable", "frustrating", "broken", "angry", "losing", "can't", "locked out", "not received", "wrong", "damaged") ? Sentiment.Negative
            : Has(text, "thank", "love", "fantastic", "excellent", "great work", "happy") ? Sentiment.Positive
            : Sentiment.Neutral;
        int priority =
            Has(text, "urgent", "production", "locked out", "outage", "losing", "tomorrow", "today") ? 1
            : sentiment == Sentiment.Negative || category is TicketCategory.Bug or TicketCategory.Billing ? 2
            : category is TicketCategory.FeatureRequest or TicketCategory.Feedback ? 4
            : 3;

        // A document with no words gets an empty summary every time: validation fails on every attempt.
        string summary = Summarize(document);
        return new
        {
            category = category.ToString(),
            priority = answerWrongly ? 7 : priority, // the deliberate mistake: out of the 1..4 range
            sentiment = sentiment.ToString(),
            summary,
        };
    }

    private static bool Has(string text, params string[] words) => words.Any(w => text.Contains(w, StringComparison.Ordinal));

    private static string Summarize(string document)
    {
        // The subject line when there is one, else the first sentence; nothing when there are hardly any letters.
        var lines = document.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? subject = lines.FirstOrDefault(l => l.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase))?["Subject:".Length..].Trim();
        string line = subject ?? lines.FirstOrDefault() ?? string.Empty;
        if (line.Count(char.IsLetter) < 8)
        {
            return string.Empty;
        }

        string summary = $"Customer writes: {line}";
        return summary.Length <= 140 ? summary : summary[..137] + "...";
    }

    private static string DocumentOf(IReadOnlyList<ChatMessage> conversation)
    {
        // The batch wraps the document in <document> tags in the first user message.
        string prompt = conversation.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        int start = prompt.IndexOf("<document>", StringComparison.Ordinal);
        int end = prompt.LastIndexOf("</document>", StringComparison.Ordinal);
        return start >= 0 && end > start ? prompt[(start + "<document>".Length)..end].Trim() : prompt;
    }

    private static uint StableHash(string text)
    {
        // FNV-1a: string.GetHashCode is randomized per process, and the demo must behave the same on every run.
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}
