using System.Text.Json;
using LlmKit.Models;
using Microsoft.Extensions.AI;

namespace LlmKit.Tokens;

/// <summary>
/// Counts the input tokens of a chat request the way OpenAI bills them: each message's role, name and content with
/// the per-message overheads, tool definitions rendered as the model sees them, tool calls and results, images by the
/// provider's published formula, and the reply priming. Models whose tokenizer is not public (Anthropic's) are
/// counted with <see cref="TokenEstimator"/>, which errs high.
/// </summary>
/// <remarks>
/// The overheads follow OpenAI's cookbook (3 tokens per message, 1 per name, 3 to prime the reply); the tool and
/// response-format overheads were calibrated on recorded OpenAI usage. See the per-recording errors in LlmKit's tests.
/// </remarks>
public sealed class ChatTokenCounter : IChatTokenCounter
{
    internal const int TokensPerMessage = 3;
    internal const int TokensPerName = 1;
    internal const int ReplyPriming = 3;
    internal const int ToolsOverhead = 9;
    internal const int ToolsWithSystemMessageDiscount = 4;
    internal const int TokensPerToolCall = 7;

    // Reasoning models (GPT-5, o1/o3/o4) prime the reply with one token fewer (measured on recorded o3-mini and
    // gpt-5-nano calls); GPT-5 also puts tool definitions in a developer preamble that costs about 81 more tokens.
    internal const int ReasoningModelPrimingAdjustment = -1;
    internal const int Gpt5ToolsPreamble = 81;
    internal const int JsonSchemaOverhead = 10;

    private readonly IModelCatalog _catalog;
    private readonly ITokenCounter _defaultCounter;

    /// <summary>Creates a counter.</summary>
    /// <param name="catalog">The model catalog, to find each model's tokenizer; the shipped catalog when <see langword="null"/>.</param>
    /// <param name="defaultCounter">The counter for models the catalog does not know; <c>o200k_base</c> when <see langword="null"/>.</param>
    public ChatTokenCounter(IModelCatalog? catalog = null, ITokenCounter? defaultCounter = null)
    {
        _catalog = catalog ?? ModelCatalog.Shipped;
        _defaultCounter = defaultCounter ?? TiktokenEncoding.O200kBase;
    }

    /// <inheritdoc />
    public int CountInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? modelId = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        modelId ??= options?.ModelId;
        var (counter, model) = Resolve(modelId);
        bool anthropic = string.Equals(model?.Provider, "anthropic", StringComparison.OrdinalIgnoreCase);

        string family = model?.Id ?? modelId ?? "";
        bool gpt5 = family.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase);
        bool reasoning = gpt5 || family.StartsWith("o1", StringComparison.OrdinalIgnoreCase) ||
                         family.StartsWith("o3", StringComparison.OrdinalIgnoreCase) || family.StartsWith("o4", StringComparison.OrdinalIgnoreCase);
        int total = ReplyPriming + (reasoning ? ReasoningModelPrimingAdjustment : 0);
        bool hasSystem = false;
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            hasSystem |= message.Role == ChatRole.System;
            total += CountMessage(message, counter, model, anthropic);
        }

        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().ToList();
        if (tools is { Count: > 0 })
        {
            string rendered = ToolDefinitionRenderer.Render(tools.Select(t => (t.Name, (string?)t.Description, t.JsonSchema)));
            total += counter.CountTokens(rendered) + ToolsOverhead - (hasSystem ? ToolsWithSystemMessageDiscount : 0) +
                     (gpt5 ? Gpt5ToolsPreamble : 0);
        }

        if (options?.ResponseFormat is ChatResponseFormatJson { Schema: { } schema } json)
        {
            total += counter.CountTokens(json.SchemaName ?? "response") + counter.CountTokens(json.SchemaDescription ?? "") +
                     counter.CountTokens(CompactJson(schema)) + JsonSchemaOverhead;
        }

        return total;
    }

    private (ITokenCounter Counter, ModelInfo? Model) Resolve(string? modelId)
    {
        if (string.IsNullOrWhiteSpace(modelId))
        {
            return (_defaultCounter, null);
        }

        var model = _catalog.Find(modelId);
        if (model is not null)
        {
            if (model.Tokenizer is { } tokenizer)
            {
                return (TiktokenEncoding.GetEncoding(tokenizer), model);
            }

            return (TokenEstimator.Instance, model);
        }

        return TiktokenEncoding.GetEncodingNameForModel(modelId) is { } name
            ? (TiktokenEncoding.GetEncoding(name), null)
            : (_defaultCounter, null);
    }

    private static int CountMessage(ChatMessage message, ITokenCounter counter, ModelInfo? model, bool anthropic)
    {
        int total = TokensPerMessage + counter.CountTokens(message.Role.Value);
        if (!string.IsNullOrEmpty(message.AuthorName))
        {
            total += TokensPerName + counter.CountTokens(message.AuthorName);
        }

        foreach (var content in message.Contents)
        {
            total += content switch
            {
                TextContent text => counter.CountTokens(text.Text),
                TextReasoningContent => 0, // earlier reasoning is not sent back as input
                FunctionCallContent call => TokensPerToolCall + counter.CountTokens(call.Name) + counter.CountTokens(
                    call.Arguments is null ? "{}" : JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)))),
                FunctionResultContent result => counter.CountTokens(ResultText(result.Result)),
                DataContent data when data.HasTopLevelMediaType("image") => CountImage(data, model, anthropic),
                UriContent uri when uri.HasTopLevelMediaType("image") => CountImage(null, model, anthropic, uri.AdditionalProperties),
                _ => 0,
            };
        }

        return total;
    }

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement e when e.ValueKind == JsonValueKind.String => e.GetString() ?? "",
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(object))),
    };

    // The schema as the provider receives it: compact, default escaping. Written directly (not through the reflection
    // serializer) so that token counting stays trimming- and AOT-safe.
    private static string CompactJson(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static int CountImage(DataContent? data, ModelInfo? model, bool anthropic, AdditionalPropertiesDictionary? properties = null)
    {
        int? width = null, height = null;
        if (data is not null && ImageTokens.TryGetSize(data.Data.Span, out int w, out int h))
        {
            width = w;
            height = h;
        }

        if (anthropic)
        {
            return ImageTokens.Anthropic(width, height);
        }

        properties ??= data?.AdditionalProperties;
        bool low = properties?.TryGetValue("detail", out object? detail) == true &&
                   string.Equals(detail?.ToString(), "low", StringComparison.OrdinalIgnoreCase);

        // GPT-4o mini bills images at a higher token count for the same price as GPT-4o (OpenAI's pricing page).
        bool mini = model?.Id.StartsWith("gpt-4o-mini", StringComparison.OrdinalIgnoreCase) == true;
        return ImageTokens.OpenAI(width, height, low, mini ? 2833 : 85, mini ? 5667 : 170);
    }
}
