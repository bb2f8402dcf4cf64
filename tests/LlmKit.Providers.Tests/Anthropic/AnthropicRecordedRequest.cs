using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Providers.Anthropic;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests.Anthropic;

/// <summary>Rebuilds the Microsoft.Extensions.AI call that would produce a recorded Messages API request.</summary>
internal sealed record AnthropicRecordedRequest(List<ChatMessage> Messages, ChatOptions Options, bool Stream)
{
    private static readonly HashSet<string> Mapped =
    [
        "model", "messages", "system", "max_tokens", "temperature", "top_p", "top_k", "stop_sequences", "tools",
        "tool_choice", "thinking", "stream",
    ];

    public static AnthropicRecordedRequest From(JsonNode body)
    {
        var o = body.AsObject();
        var options = new ChatOptions
        {
            ModelId = (string?)o["model"],
            MaxOutputTokens = (int?)o["max_tokens"],
            Temperature = (float?)o["temperature"],
            TopP = (float?)o["top_p"],
            TopK = (int?)o["top_k"],
        };
        var messages = new List<ChatMessage>();
        switch (o["system"])
        {
            case JsonValue text:
                messages.Add(new ChatMessage(ChatRole.System, (string)text!));
                break;
            case JsonArray blocks:
                messages.Add(new ChatMessage(ChatRole.System, blocks.Select(b => (AIContent)Text(b!.AsObject())).ToList()));
                break;
        }

        foreach (var node in o["messages"]!.AsArray())
        {
            var m = node!.AsObject();
            var role = (string)m["role"]! == "assistant" ? ChatRole.Assistant : ChatRole.User;
            var message = new ChatMessage(role, []);
            switch (m["content"])
            {
                case JsonValue text:
                    message.Contents.Add(new TextContent((string)text!));
                    break;
                case JsonArray blocks:
                    foreach (var block in blocks.Select(b => b!.AsObject()))
                    {
                        message.Contents.Add((string?)block["type"] switch
                        {
                            "text" => Text(block),
                            "tool_use" => new FunctionCallContent((string)block["id"]!, (string)block["name"]!,
                                block["input"].Deserialize<Dictionary<string, object?>>()),
                            "tool_result" => new FunctionResultContent((string)block["tool_use_id"]!, block["content"] switch
                            {
                                JsonValue v => (string)v!,
                                JsonArray parts => string.Concat(parts.Select(p => (string?)p!["text"])),
                                _ => null,
                            }),
                            "thinking" => new TextReasoningContent((string)block["thinking"]!) { ProtectedData = (string?)block["signature"] },
                            var other => throw new NotSupportedException($"block type {other}"),
                        });
                    }

                    break;
            }

            messages.Add(message);
        }

        if (o["stop_sequences"] is JsonArray stops)
        {
            options.StopSequences = stops.Select(s => (string)s!).ToList();
        }

        if (o["tools"] is JsonArray tools)
        {
            options.Tools = tools.Select(t => (AITool)AIFunctionFactory.CreateDeclaration(
                (string)t!["name"]!, (string?)t["description"], JsonSerializer.SerializeToElement(t["input_schema"]))).ToList();
        }

        if (o["tool_choice"] is JsonObject choice)
        {
            options.ToolMode = (string?)choice["type"] switch
            {
                "any" => ChatToolMode.RequireAny,
                "none" => ChatToolMode.None,
                "tool" => ChatToolMode.RequireSpecific((string)choice["name"]!),
                _ => ChatToolMode.Auto,
            };
            if ((bool?)choice["disable_parallel_tool_use"] == true)
            {
                options.AllowMultipleToolCalls = false;
            }
        }

        if (o["thinking"] is JsonObject thinking && (string?)thinking["type"] == "enabled")
        {
            (options.AdditionalProperties ??= [])[AnthropicChatOptionKeys.ThinkingBudgetTokens] = (int)thinking["budget_tokens"]!;
        }

        // Native structured output: what a JSON schema response format becomes.
        bool nativeFormat = o["output_config"] is JsonObject { Count: 1 } config && config["format"] is JsonObject format && (string?)format["type"] == "json_schema";
        if (nativeFormat)
        {
            options.ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonSerializer.SerializeToElement(o["output_config"]!["format"]!["schema"]));
        }

        foreach (var (key, value) in o)
        {
            if (!Mapped.Contains(key) && !(nativeFormat && key == "output_config"))
            {
                (options.AdditionalProperties ??= [])[key] = JsonSerializer.SerializeToElement(value);
            }
        }

        return new AnthropicRecordedRequest(messages, options, (bool?)o["stream"] ?? false);
    }

    private static TextContent Text(JsonObject block)
    {
        var text = new TextContent((string)block["text"]!);
        foreach (var (key, value) in block.Where(p => p.Key is not ("type" or "text")))
        {
            (text.AdditionalProperties ??= [])[key] = JsonSerializer.SerializeToElement(value);
        }

        return text;
    }
}
