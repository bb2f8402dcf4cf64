using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests.OpenAI;

/// <summary>
/// Rebuilds the Microsoft.Extensions.AI call that would produce a recorded Chat Completions request, so a wire test
/// can send it through LlmKit and compare what goes out with what the recording's client sent.
/// </summary>
internal sealed record OpenAIRecordedRequest(List<ChatMessage> Messages, ChatOptions Options, bool Stream, bool IncludeUsage, bool UsesMaxCompletionTokens)
{
    private static readonly HashSet<string> Mapped =
    [
        "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "stop", "tools",
        "tool_choice", "parallel_tool_calls", "response_format", "stream", "stream_options", "reasoning_effort",
        "frequency_penalty", "presence_penalty",
    ];

    public static OpenAIRecordedRequest From(JsonNode body)
    {
        var o = body.AsObject();
        var options = new ChatOptions { ModelId = (string?)o["model"] };
        var messages = new List<ChatMessage>();
        foreach (var node in o["messages"]!.AsArray())
        {
            var m = node!.AsObject();
            string role = (string)m["role"]!;
            if (role == "tool")
            {
                messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent((string)m["tool_call_id"]!, (string?)m["content"])]));
                continue;
            }

            var message = new ChatMessage(new ChatRole(role), []) { AuthorName = (string?)m["name"] };
            switch (m["content"])
            {
                case JsonValue text:
                    message.Contents.Add(new TextContent((string)text!));
                    break;
                case JsonArray parts:
                    foreach (var part in parts)
                    {
                        switch ((string?)part!["type"])
                        {
                            case "text":
                                var text = new TextContent((string)part["text"]!);
                                foreach (var (key, value) in part.AsObject().Where(p => p.Key is not ("type" or "text")))
                                {
                                    (text.AdditionalProperties ??= [])[key] = JsonSerializer.SerializeToElement(value);
                                }

                                message.Contents.Add(text);
                                break;
                            case "image_url":
                                string url = (string)part["image_url"]!["url"]!;
                                message.Contents.Add(url.StartsWith("data:", StringComparison.Ordinal) ? new DataContent(url) : new UriContent(url, "image/*"));
                                break;
                            default:
                                throw new NotSupportedException($"part type {part["type"]}");
                        }
                    }

                    break;
            }

            if (m["tool_calls"] is JsonArray calls)
            {
                foreach (var call in calls)
                {
                    var function = call!["function"]!;
                    string args = (string?)function["arguments"] ?? "{}";
                    message.Contents.Add(new FunctionCallContent((string)call["id"]!, (string)function["name"]!,
                        JsonSerializer.Deserialize<Dictionary<string, object?>>(string.IsNullOrWhiteSpace(args) ? "{}" : args)));
                }
            }

            messages.Add(message);
        }

        options.Temperature = (float?)o["temperature"];
        options.TopP = (float?)o["top_p"];
        options.MaxOutputTokens = (int?)o["max_completion_tokens"] ?? (int?)o["max_tokens"];
        options.Seed = (long?)o["seed"];
        options.FrequencyPenalty = (float?)o["frequency_penalty"];
        options.PresencePenalty = (float?)o["presence_penalty"];
        if (o["stop"] is JsonArray stops)
        {
            options.StopSequences = stops.Select(s => (string)s!).ToList();
        }

        if ((string?)o["reasoning_effort"] is { } effort)
        {
            options.Reasoning = new ReasoningOptions
            {
                Effort = effort switch
                {
                    "none" => ReasoningEffort.None, "low" or "minimal" => ReasoningEffort.Low, "medium" => ReasoningEffort.Medium,
                    "high" => ReasoningEffort.High, _ => ReasoningEffort.ExtraHigh,
                },
            };
        }

        bool? strict = null;
        if (o["tools"] is JsonArray tools)
        {
            options.Tools = [];
            foreach (var tool in tools)
            {
                var f = tool!["function"]!;
                options.Tools.Add(AIFunctionFactory.CreateDeclaration((string)f["name"]!, (string?)f["description"],
                    JsonSerializer.SerializeToElement(f["parameters"])));
                strict ??= (bool?)f["strict"];
            }
        }

        switch (o["tool_choice"])
        {
            case JsonValue choice:
                options.ToolMode = (string)choice! switch { "none" => ChatToolMode.None, "required" => ChatToolMode.RequireAny, _ => ChatToolMode.Auto };
                break;
            case JsonObject choice:
                options.ToolMode = ChatToolMode.RequireSpecific((string)choice["function"]!["name"]!);
                break;
        }

        options.AllowMultipleToolCalls = (bool?)o["parallel_tool_calls"];
        if (o["response_format"] is JsonObject format)
        {
            switch ((string?)format["type"])
            {
                case "json_object":
                    options.ResponseFormat = ChatResponseFormat.Json;
                    break;
                case "json_schema":
                    var schema = format["json_schema"]!;
                    options.ResponseFormat = ChatResponseFormat.ForJsonSchema(
                        JsonSerializer.SerializeToElement(schema["schema"]), (string?)schema["name"], (string?)schema["description"]);
                    strict ??= (bool?)schema["strict"];
                    break;
            }
        }

        if (strict is { } s)
        {
            (options.AdditionalProperties ??= [])[LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema.Key] = s;
        }

        foreach (var (key, value) in o)
        {
            if (!Mapped.Contains(key))
            {
                (options.AdditionalProperties ??= [])[key] = JsonSerializer.SerializeToElement(value);
            }
        }

        bool stream = (bool?)o["stream"] ?? false;
        bool includeUsage = (bool?)o["stream_options"]?["include_usage"] ?? false;
        return new OpenAIRecordedRequest(messages, options, stream, includeUsage, o.ContainsKey("max_completion_tokens"));
    }
}
