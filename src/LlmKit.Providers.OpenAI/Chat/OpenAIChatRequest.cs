using System.Buffers;
using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.OpenAI;

/// <summary>Writes a Chat Completions request body from Microsoft.Extensions.AI messages and options.</summary>
internal static class OpenAIChatRequest
{
    public static ReadOnlyMemory<byte> Write(
        IEnumerable<ChatMessage> messages, ChatOptions? options, string model, bool stream, OpenAIProviderOptions provider)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            var extras = options?.AdditionalProperties;

            w.WriteStartObject();
            w.WriteString("model", model);
            w.WritePropertyName("messages");
            WriteMessages(w, messages, options?.Instructions);

            if (options is not null)
            {
                bool? strictSetting = LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema.TryGetValue(options, out bool strict) ? strict : null;

                RequestFields.Number(w, extras, "temperature", options.Temperature);
                RequestFields.Number(w, extras, "top_p", options.TopP);
                RequestFields.Number(w, extras, provider.UseMaxCompletionTokens ? "max_completion_tokens" : "max_tokens", options.MaxOutputTokens);
                RequestFields.Number(w, extras, "frequency_penalty", options.FrequencyPenalty);
                RequestFields.Number(w, extras, "presence_penalty", options.PresencePenalty);
                RequestFields.Number(w, extras, "seed", options.Seed);
                RequestFields.Strings(w, extras, "stop", options.StopSequences);

                if (options.Reasoning?.Effort is { } effort && WireExtras.Own(extras, "reasoning_effort"))
                {
                    w.WriteString("reasoning_effort", effort switch
                    {
                        ReasoningEffort.None => "none",
                        ReasoningEffort.Low => "low",
                        ReasoningEffort.Medium => "medium",
                        ReasoningEffort.High => "high",
                        ReasoningEffort.ExtraHigh => "xhigh",
                        _ => throw new ArgumentException($"Unknown reasoning effort '{effort}'.", nameof(options)),
                    });
                }

                bool hasTools = options.Tools is { Count: > 0 };
                if (hasTools && WireExtras.Own(extras, "tools"))
                {
                    WriteTools(w, options.Tools!, strictSetting);
                }

                // OpenAI rejects tool_choice without tools, even "none".
                if (options.ToolMode is { } mode && WireExtras.Own(extras, "tool_choice") && hasTools)
                {
                    switch (mode)
                    {
                        case NoneChatToolMode:
                            w.WriteString("tool_choice", "none");
                            break;
                        case AutoChatToolMode:
                            w.WriteString("tool_choice", "auto");
                            break;
                        case RequiredChatToolMode { RequiredFunctionName: null }:
                            w.WriteString("tool_choice", "required");
                            break;
                        case RequiredChatToolMode { RequiredFunctionName: { } function }:
                            w.WriteStartObject("tool_choice");
                            w.WriteString("type", "function");
                            w.WriteStartObject("function");
                            w.WriteString("name", function);
                            w.WriteEndObject();
                            w.WriteEndObject();
                            break;
                    }
                }

                if (hasTools && options.AllowMultipleToolCalls is { } parallel && WireExtras.Own(extras, "parallel_tool_calls"))
                {
                    w.WriteBoolean("parallel_tool_calls", parallel);
                }

                if (options.ResponseFormat is ChatResponseFormatJson json && WireExtras.Own(extras, "response_format"))
                {
                    w.WriteStartObject("response_format");
                    if (json.Schema is { } schema)
                    {
                        w.WriteString("type", "json_schema");
                        w.WriteStartObject("json_schema");
                        w.WriteString("name", json.SchemaName ?? "response");
                        if (!string.IsNullOrEmpty(json.SchemaDescription))
                        {
                            w.WriteString("description", json.SchemaDescription);
                        }

                        w.WritePropertyName("schema");
                        schema.WriteTo(w);
                        if (strictSetting is { } strictValue)
                        {
                            w.WriteBoolean("strict", strictValue);
                        }

                        w.WriteEndObject();
                    }
                    else
                    {
                        w.WriteString("type", "json_object");
                    }

                    w.WriteEndObject();
                }
            }

            if (stream)
            {
                w.WriteBoolean("stream", true);
                if (provider.IncludeStreamUsage && WireExtras.Own(extras, "stream_options"))
                {
                    w.WriteStartObject("stream_options");
                    w.WriteBoolean("include_usage", true);
                    w.WriteEndObject();
                }
            }

            WireExtras.Write(w, extras);
            w.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static void WriteMessages(Utf8JsonWriter w, IEnumerable<ChatMessage> messages, string? instructions)
    {
        w.WriteStartArray();
        if (!string.IsNullOrEmpty(instructions))
        {
            w.WriteStartObject();
            w.WriteString("role", "system");
            w.WriteString("content", instructions);
            w.WriteEndObject();
        }

        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(messages));
            string role = message.Role.Value;
            bool hasOther = false;
            foreach (var content in message.Contents)
            {
                if (content is not FunctionResultContent)
                {
                    hasOther = true;
                    break;
                }
            }

            if (role != "tool" && hasOther)
            {
                w.WriteStartObject();
                w.WriteString("role", role);
                if (!string.IsNullOrEmpty(message.AuthorName))
                {
                    w.WriteString("name", message.AuthorName);
                }

                if (role == "assistant")
                {
                    WriteAssistantBody(w, message);
                }
                else if (role == "user")
                {
                    WriteUserContent(w, message);
                }
                else
                {
                    w.WriteString("content", TextOf(message));
                }

                w.WriteEndObject();
            }

            // Chat Completions carries each tool result as its own "tool" message, whatever message held it.
            foreach (var content in message.Contents)
            {
                if (content is FunctionResultContent result)
                {
                    w.WriteStartObject();
                    w.WriteString("role", "tool");
                    w.WriteString("tool_call_id", result.CallId);
                    w.WriteString("content", WireExtras.ResultText(result));
                    w.WriteEndObject();
                }
            }
        }

        w.WriteEndArray();
    }

    private static void WriteAssistantBody(Utf8JsonWriter w, ChatMessage message)
    {
        bool anyText = false, anyCall = false;
        string? refusal = null;
        foreach (var content in message.Contents)
        {
            anyText |= content is TextContent;
            anyCall |= content is FunctionCallContent;
            if (content is ErrorContent { ErrorCode: Refusals.ErrorCode } refused)
            {
                refusal = refusal is null ? refused.Message : refusal + refused.Message;
            }
        }

        if (refusal is not null)
        {
            // The API's form of an earlier refusal: without it the model loses its own refusal in a multi-turn chat.
            w.WriteString("refusal", refusal);
            if (!anyText)
            {
                w.WriteNull("content");
            }
        }

        if (anyText || (!anyCall && refusal is null))
        {
            w.WriteString("content", TextOf(message));
        }

        if (anyCall)
        {
            w.WriteStartArray("tool_calls");
            foreach (var content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    w.WriteStartObject();
                    w.WriteString("id", call.CallId);
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", call.Name);
                    w.WriteString("arguments", call.Arguments is null
                        ? "{}"
                        : JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))));
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
        }
    }

    private static void WriteUserContent(Utf8JsonWriter w, ChatMessage message)
    {
        // A lone text goes as a plain string: the shortest form, and the one every compatible server accepts.
        if (message.Contents is [TextContent { AdditionalProperties: null or { Count: 0 } } only])
        {
            w.WriteString("content", only.Text);
            return;
        }

        w.WriteStartArray("content");
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent text:
                    w.WriteStartObject();
                    w.WriteString("type", "text");
                    w.WriteString("text", text.Text);
                    WireExtras.Write(w, text.AdditionalProperties); // per-part extras, e.g. a prompt-cache breakpoint
                    w.WriteEndObject();
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                    WriteImage(w, data.Uri, data.AdditionalProperties);
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    WriteImage(w, uri.Uri.ToString(), uri.AdditionalProperties);
                    break;
                case DataContent audio when audio.HasTopLevelMediaType("audio"):
                    w.WriteStartObject();
                    w.WriteString("type", "input_audio");
                    w.WriteStartObject("input_audio");
                    w.WriteBase64String("data", audio.Data.Span);
                    w.WriteString("format", audio.MediaType.EndsWith("mpeg", StringComparison.OrdinalIgnoreCase) || audio.MediaType.EndsWith("mp3", StringComparison.OrdinalIgnoreCase) ? "mp3" : "wav");
                    w.WriteEndObject();
                    w.WriteEndObject();
                    break;
                case DataContent file when file.MediaType == "application/pdf":
                    w.WriteStartObject();
                    w.WriteString("type", "file");
                    w.WriteStartObject("file");
                    w.WriteString("filename", file.Name ?? "document.pdf");
                    w.WriteString("file_data", file.Uri);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    break;
                case FunctionResultContent:
                    break; // written as a tool message
                default:
                    throw new NotSupportedException(
                        $"OpenAI Chat Completions cannot carry {content.GetType().Name} in a user message (supported: text, images, audio, PDF).");
            }
        }

        w.WriteEndArray();
    }

    private static void WriteImage(Utf8JsonWriter w, string url, AdditionalPropertiesDictionary? properties)
    {
        w.WriteStartObject();
        w.WriteString("type", "image_url");
        w.WriteStartObject("image_url");
        w.WriteString("url", url);
        if (properties?.TryGetValue("detail", out object? detail) == true && detail is string d)
        {
            w.WriteString("detail", d);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter w, IList<AITool> tools, bool? strict)
    {
        w.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration function)
            {
                throw new NotSupportedException(
                    $"OpenAI Chat Completions only takes function tools; '{tool.Name}' is a {tool.GetType().Name}.");
            }

            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", function.Name);
            if (!string.IsNullOrEmpty(function.Description))
            {
                w.WriteString("description", function.Description);
            }

            w.WritePropertyName("parameters");
            function.JsonSchema.WriteTo(w);
            if (strict is true)
            {
                w.WriteBoolean("strict", true); // false is the API's default; leaving it out keeps lenient servers happy
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static string TextOf(ChatMessage message)
    {
        if (message.Contents is [TextContent single])
        {
            return single.Text;
        }

        var text = new System.Text.StringBuilder();
        foreach (var content in message.Contents)
        {
            if (content is TextContent t)
            {
                text.Append(t.Text);
            }
        }

        return text.ToString();
    }
}
