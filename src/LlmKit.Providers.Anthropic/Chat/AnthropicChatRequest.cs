using System.Buffers;
using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Anthropic;

/// <summary>Writes a Messages API request body from Microsoft.Extensions.AI messages and options.</summary>
internal static class AnthropicChatRequest
{
    public static ReadOnlyMemory<byte> Write(
        IEnumerable<ChatMessage> messages, ChatOptions? options, string model, bool stream, AnthropicProviderOptions provider)
    {
        var extras = options?.AdditionalProperties;

        // Split system text from the conversation and merge consecutive turns of the same role: the API wants
        // alternating user/assistant turns, and tool results travel in user turns.
        var system = new List<TextContent>();
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            system.Add(new TextContent(options.Instructions));
        }

        var turns = new List<(string Role, List<AIContent> Contents, int BreakpointAfter)>();
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            if (message.Role == ChatRole.System || message.Role.Value == "developer")
            {
                system.AddRange(message.Contents.OfType<TextContent>());
                continue;
            }

            string role = message.Role == ChatRole.Assistant ? "assistant" : "user";
            if (turns.Count == 0 || turns[^1].Role != role)
            {
                turns.Add((role, [], -1));
            }

            var turn = turns[^1];
            // The API rejects empty text blocks, which tool-calling turns assembled from streams often carry.
            // Reasoning without a signature came from another provider (after a fallback, say) and would be rejected.
            // The API has no refusal block: an earlier refusal goes back as the text it was, so the model keeps it.
            turn.Contents.AddRange(message.Contents
                .Where(c => c is not (UsageContent or TextContent { Text.Length: 0 } or TextReasoningContent { ProtectedData: null }))
                .Select(c => c is ErrorContent { ErrorCode: Refusals.ErrorCode } refusal ? new TextContent(refusal.Message) : c));
            if (message.AdditionalProperties?.TryGetValue(AnthropicChatOptionKeys.CacheBreakpoint, out object? mark) == true && mark is true)
            {
                turn.BreakpointAfter = turn.Contents.Count - 1;
            }

            turns[^1] = turn;
        }

        if (provider.CacheConversation && turns.Count > 0)
        {
            turns[^1] = turns[^1] with { BreakpointAfter = turns[^1].Contents.Count - 1 };
        }

        int breakpoints = (provider.CacheSystemPrompt && system.Count > 0 ? 1 : 0) +
                          (provider.CacheTools && options?.Tools is { Count: > 0 } ? 1 : 0) +
                          turns.Count(t => t.BreakpointAfter >= 0);
        if (breakpoints > AnthropicProviderConstants.MaxCacheBreakpoints)
        {
            throw new ArgumentException(
                $"The request asks for {breakpoints} prompt-cache breakpoints; Anthropic allows {AnthropicProviderConstants.MaxCacheBreakpoints}.", nameof(messages));
        }

        int maxTokens = options?.MaxOutputTokens ?? provider.DefaultMaxOutputTokens;
        int? thinking = ThinkingBudget(options, provider);
        if (thinking is { } budget && budget >= maxTokens)
        {
            throw new ArgumentException(
                $"The thinking budget ({budget} tokens) must be smaller than the output limit ({maxTokens} tokens): raise MaxOutputTokens or lower the budget.", nameof(options));
        }

        JsonElement? schema = options?.ResponseFormat is ChatResponseFormatJson { Schema: { } s } ? s : null;
        if (schema is not null && !provider.NativeStructuredOutput)
        {
            throw new NotSupportedException(
                "The call asks for a JSON schema response format, but NativeStructuredOutput is off for this client (its model has no output_config.format): " +
                "let LlmKit's structured output choose the strategy from the client's capabilities, or turn NativeStructuredOutput on.");
        }

        if (thinking is not null && options?.ToolMode is RequiredChatToolMode && options.Tools is { Count: > 0 })
        {
            throw new ArgumentException(
                "Anthropic does not allow a required tool choice while extended thinking is on: use ChatToolMode.Auto, or turn thinking off for this call " +
                $"({AnthropicChatOptionKeys.ThinkingBudgetTokens} = 0).", nameof(options));
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            if (WireExtras.Own(extras, "max_tokens"))
            {
                w.WriteNumber("max_tokens", maxTokens);
            }

            if (system.Count > 0 && WireExtras.Own(extras, "system"))
            {
                WriteSystem(w, system, provider.CacheSystemPrompt);
            }

            w.WriteStartArray("messages");
            foreach (var turn in turns)
            {
                w.WriteStartObject();
                w.WriteString("role", turn.Role);
                WriteContents(w, turn.Contents, turn.BreakpointAfter);
                w.WriteEndObject();
            }

            w.WriteEndArray();

            if (options is not null)
            {
                RequestFields.Number(w, extras, "temperature", options.Temperature);
                RequestFields.Number(w, extras, "top_p", options.TopP);
                RequestFields.Number(w, extras, "top_k", options.TopK);
                RequestFields.Strings(w, extras, "stop_sequences", options.StopSequences);

                bool hasTools = options.Tools is { Count: > 0 };
                if (hasTools && WireExtras.Own(extras, "tools"))
                {
                    w.WriteStartArray("tools");
                    var tools = options.Tools!;
                    for (int i = 0; i < tools.Count; i++)
                    {
                        if (tools[i] is not AIFunctionDeclaration function)
                        {
                            throw new NotSupportedException($"The Anthropic provider only takes function tools; '{tools[i].Name}' is a {tools[i].GetType().Name}.");
                        }

                        bool cacheHere = provider.CacheTools && i == tools.Count - 1;
                        WriteTool(w, function.Name, function.Description, function.JsonSchema, cacheHere);
                    }

                    w.WriteEndArray();
                }

                if (WireExtras.Own(extras, "tool_choice"))
                {
                    WriteToolChoice(w, options, hasTools);
                }

                if (schema is { } responseSchema && WireExtras.Own(extras, "output_config"))
                {
                    // Native structured output: the API decodes under the schema; the answer is the text block.
                    w.WriteStartObject("output_config");
                    w.WriteStartObject("format");
                    w.WriteString("type", "json_schema");
                    w.WritePropertyName("schema");
                    responseSchema.WriteTo(w);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
            }

            if (thinking is { } thinkingBudget && WireExtras.Own(extras, "thinking"))
            {
                w.WriteStartObject("thinking");
                w.WriteString("type", "enabled");
                w.WriteNumber("budget_tokens", thinkingBudget);
                w.WriteEndObject();
            }

            if (stream)
            {
                w.WriteBoolean("stream", true);
            }

            WriteExtras(w, extras);
            w.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static int? ThinkingBudget(ChatOptions? options, AnthropicProviderOptions provider)
    {
        if (options?.AdditionalProperties?.TryGetValue(AnthropicChatOptionKeys.ThinkingBudgetTokens, out object? value) == true)
        {
            int budget = value switch
            {
                int i => i,
                long l => checked((int)l),
                JsonElement { ValueKind: JsonValueKind.Number } e => e.GetInt32(),
                _ => throw new ArgumentException($"{AnthropicChatOptionKeys.ThinkingBudgetTokens} must be an integer.", nameof(options)),
            };
            return budget <= 0 ? null : budget;
        }

        // Effort levels map onto budgets that leave room under common output limits; callers who care set a number.
        return options?.Reasoning?.Effort switch
        {
            ReasoningEffort.None => null,
            ReasoningEffort.Low => 1024,
            ReasoningEffort.Medium => 4096,
            ReasoningEffort.High => 16_384,
            ReasoningEffort.ExtraHigh => 32_000,
            _ => provider.ThinkingBudgetTokens,
        };
    }

    private static void WriteToolChoice(Utf8JsonWriter w, ChatOptions options, bool hasTools)
    {
        bool disableParallel = options.AllowMultipleToolCalls == false;
        string? type;
        string? name = null;
        switch (options.ToolMode)
        {
            case NoneChatToolMode:
                type = "none";
                break;
            case AutoChatToolMode:
                type = "auto";
                break;
            case RequiredChatToolMode { RequiredFunctionName: null }:
                type = "any";
                break;
            case RequiredChatToolMode { RequiredFunctionName: { } function }:
                (type, name) = ("tool", function);
                break;
            default:
                type = disableParallel && hasTools ? "auto" : null;
                break;
        }

        if (type is null || !hasTools)
        {
            return;
        }

        w.WriteStartObject("tool_choice");
        w.WriteString("type", type);
        if (name is not null)
        {
            w.WriteString("name", name);
        }

        if (disableParallel && type != "none")
        {
            w.WriteBoolean("disable_parallel_tool_use", true);
        }

        w.WriteEndObject();
    }

    private static void WriteTool(Utf8JsonWriter w, string name, string? description, JsonElement schema, bool cache)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        if (!string.IsNullOrEmpty(description))
        {
            w.WriteString("description", description);
        }

        w.WritePropertyName("input_schema");
        schema.WriteTo(w);
        if (cache)
        {
            WriteCacheControl(w);
        }

        w.WriteEndObject();
    }

    private static void WriteSystem(Utf8JsonWriter w, List<TextContent> system, bool cache)
    {
        if (system is [{ AdditionalProperties: null or { Count: 0 } } only] && !cache)
        {
            w.WriteString("system", only.Text);
            return;
        }

        w.WriteStartArray("system");
        for (int i = 0; i < system.Count; i++)
        {
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", system[i].Text);
            WriteExtras(w, system[i].AdditionalProperties);
            if (cache && i == system.Count - 1)
            {
                WriteCacheControl(w);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteContents(Utf8JsonWriter w, List<AIContent> contents, int breakpointAfter)
    {
        if (contents is [TextContent { AdditionalProperties: null or { Count: 0 } } only] && breakpointAfter < 0)
        {
            w.WriteString("content", only.Text);
            return;
        }

        w.WriteStartArray("content");
        for (int i = 0; i < contents.Count; i++)
        {
            bool cache = i == breakpointAfter;
            var content = contents[i];
            w.WriteStartObject();
            switch (content)
            {
                case TextContent text:
                    w.WriteString("type", "text");
                    w.WriteString("text", text.Text);
                    break;
                case TextReasoningContent { Text: { Length: > 0 } thinking } reasoning:
                    w.WriteString("type", "thinking");
                    w.WriteString("thinking", thinking);
                    w.WriteString("signature", reasoning.ProtectedData);
                    break;
                case TextReasoningContent { ProtectedData: { } data }:
                    w.WriteString("type", "redacted_thinking");
                    w.WriteString("data", data);
                    break;
                case DataContent data when data.HasTopLevelMediaType("image") || data.MediaType == "application/pdf":
                    w.WriteString("type", data.MediaType == "application/pdf" ? "document" : "image");
                    w.WriteStartObject("source");
                    w.WriteString("type", "base64");
                    w.WriteString("media_type", data.MediaType);
                    w.WriteBase64String("data", data.Data.Span);
                    w.WriteEndObject();
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image") || uri.MediaType == "application/pdf":
                    w.WriteString("type", uri.MediaType == "application/pdf" ? "document" : "image");
                    w.WriteStartObject("source");
                    w.WriteString("type", "url");
                    w.WriteString("url", uri.Uri.ToString());
                    w.WriteEndObject();
                    break;
                case FunctionCallContent call:
                    w.WriteString("type", "tool_use");
                    w.WriteString("id", call.CallId);
                    w.WriteString("name", call.Name);
                    w.WritePropertyName("input");
                    JsonSerializer.Serialize(w, call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
                    break;
                case FunctionResultContent result:
                    w.WriteString("type", "tool_result");
                    w.WriteString("tool_use_id", result.CallId);
                    w.WriteString("content", WireExtras.ResultText(result));
                    if (result.Exception is not null)
                    {
                        w.WriteBoolean("is_error", true);
                    }

                    break;
                default:
                    throw new NotSupportedException(
                        $"The Anthropic Messages API cannot carry {content.GetType().Name} (supported: text, reasoning, images, PDF, tool calls and results).");
            }

            WriteExtras(w, content.AdditionalProperties);
            if (cache)
            {
                WriteCacheControl(w);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteCacheControl(Utf8JsonWriter w)
    {
        w.WriteStartObject("cache_control");
        w.WriteString("type", "ephemeral");
        w.WriteEndObject();
    }

    private static void WriteExtras(Utf8JsonWriter w, AdditionalPropertiesDictionary? extras) =>
        WireExtras.Write(w, extras, static key => key is AnthropicChatOptionKeys.ThinkingBudgetTokens or AnthropicChatOptionKeys.CacheBreakpoint);
}
