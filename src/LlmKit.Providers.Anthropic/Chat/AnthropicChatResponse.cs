using System.Text;
using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Anthropic;

/// <summary>Reads Messages API responses and stream events into Microsoft.Extensions.AI types.</summary>
internal static class AnthropicChatResponse
{
    public const string RefusalMessage = "The model declined to continue (Anthropic stop_reason \"refusal\").";

    public static ChatResponse Read(JsonElement root, string? structuredTool)
    {
        var message = new ChatMessage(ChatRole.Assistant, []) { MessageId = String(root, "id") };
        bool answeredThroughTool = false;
        if (root.TryGetProperty("content", out var blocks) && blocks.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in blocks.EnumerateArray())
            {
                switch (String(block, "type"))
                {
                    case "text":
                        message.Contents.Add(new TextContent(String(block, "text") ?? string.Empty));
                        break;
                    case "thinking":
                        message.Contents.Add(new TextReasoningContent(String(block, "thinking")) { ProtectedData = String(block, "signature") });
                        break;
                    case "redacted_thinking":
                        message.Contents.Add(new TextReasoningContent(string.Empty) { ProtectedData = String(block, "data") });
                        break;
                    case "tool_use" when structuredTool is not null && String(block, "name") == structuredTool:
                        // The forced tool's input is the structured answer: hand it over as the response text.
                        message.Contents.Add(new TextContent(block.TryGetProperty("input", out var answer) ? answer.GetRawText() : "{}"));
                        answeredThroughTool = true;
                        break;
                    case "tool_use":
                        message.Contents.Add(ToolCall(block, block.TryGetProperty("input", out var input) ? input : default));
                        break;
                }
            }
        }

        string? stopReason = String(root, "stop_reason");
        if (stopReason == "refusal")
        {
            message.Contents.Add(Refusals.Create(RefusalMessage));
        }

        var response = new ChatResponse(message)
        {
            ResponseId = message.MessageId,
            ModelId = String(root, "model"),
            FinishReason = FinishReason(stopReason, answeredThroughTool),
            Usage = root.TryGetProperty("usage", out var usage) ? new UsageAccumulator().Add(usage).ToUsage() : null,
        };
        if (stopReason is not null)
        {
            (response.AdditionalProperties ??= [])["stop_reason"] = stopReason;
        }

        return response;
    }

    public static FunctionCallContent ToolCall(JsonElement block, JsonElement input) =>
        new(String(block, "id") ?? string.Empty, String(block, "name") ?? string.Empty,
            input.ValueKind == JsonValueKind.Object
                ? JsonSerializer.Deserialize(input, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Dictionary<string, object?>))) as Dictionary<string, object?>
                : new Dictionary<string, object?>());

    public static ChatFinishReason? FinishReason(string? stopReason, bool answeredThroughTool) => stopReason switch
    {
        null => null,
        "end_turn" or "stop_sequence" => ChatFinishReason.Stop,
        "tool_use" => answeredThroughTool ? ChatFinishReason.Stop : ChatFinishReason.ToolCalls,
        "max_tokens" or "model_context_window_exceeded" => ChatFinishReason.Length,
        "refusal" => ChatFinishReason.ContentFilter,
        { } other => new ChatFinishReason(other),
    };

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static long? Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n)
            ? n
            : null;
}

/// <summary>
/// Anthropic usage normalized to LlmKit's convention: <c>input_tokens</c> counts only uncached input, so the cache
/// reads and writes are added to make <see cref="UsageDetails.InputTokenCount"/> the whole prompt.
/// </summary>
internal sealed class UsageAccumulator
{
    private long? _input, _cacheWrite, _cacheRead, _output;

    public UsageAccumulator Add(JsonElement usage)
    {
        // Stream events repeat counts cumulatively (message_start, then message_delta), so later values replace earlier ones.
        _input = AnthropicChatResponse.Long(usage, "input_tokens") ?? _input;
        _cacheWrite = AnthropicChatResponse.Long(usage, "cache_creation_input_tokens") ?? _cacheWrite;
        _cacheRead = AnthropicChatResponse.Long(usage, "cache_read_input_tokens") ?? _cacheRead;
        _output = AnthropicChatResponse.Long(usage, "output_tokens") ?? _output;
        return this;
    }

    public UsageDetails? ToUsage()
    {
        if (_input is null && _output is null)
        {
            return null;
        }

        long input = (_input ?? 0) + (_cacheWrite ?? 0) + (_cacheRead ?? 0);
        var usage = new UsageDetails
        {
            InputTokenCount = input,
            OutputTokenCount = _output,
            TotalTokenCount = input + (_output ?? 0),
            CachedInputTokenCount = _cacheRead,
        };
        if (_cacheWrite is { } written)
        {
            usage.SetCacheWriteInputTokenCount(written);
        }

        return usage;
    }
}

/// <summary>
/// Turns Messages API stream events into updates. Text and thinking pass through as they arrive; tool calls are
/// emitted whole at the end of their block. The structured-output tool's JSON streams as text, since it is the answer.
/// </summary>
internal sealed class AnthropicStreamAssembler(string? structuredTool)
{
    private readonly Dictionary<int, Block> _blocks = [];
    private readonly UsageAccumulator _usage = new();
    private string? _id;
    private string? _model;
    private bool _answeredThroughTool;

    public bool Finished { get; private set; }

    public IEnumerable<ChatResponseUpdate> Read(JsonElement data)
    {
        switch (AnthropicChatResponse.String(data, "type"))
        {
            case "message_start":
                var message = data.GetProperty("message");
                _id = AnthropicChatResponse.String(message, "id");
                _model = AnthropicChatResponse.String(message, "model");
                if (message.TryGetProperty("usage", out var startUsage))
                {
                    _usage.Add(startUsage);
                }

                break;

            case "content_block_start":
            {
                int index = data.GetProperty("index").GetInt32();
                var block = data.GetProperty("content_block");
                string? type = AnthropicChatResponse.String(block, "type");
                var state = new Block(type, AnthropicChatResponse.String(block, "id"), AnthropicChatResponse.String(block, "name"));
                state.Structured = type == "tool_use" && structuredTool is not null && state.Name == structuredTool;
                _answeredThroughTool |= state.Structured;
                _blocks[index] = state;
                if (type == "text" && AnthropicChatResponse.String(block, "text") is { Length: > 0 } initial)
                {
                    yield return Update(new TextContent(initial));
                }
                else if (type == "thinking" && AnthropicChatResponse.String(block, "thinking") is { Length: > 0 } initialThinking)
                {
                    yield return Update(new TextReasoningContent(initialThinking));
                }
                else if (type == "redacted_thinking")
                {
                    state.Signature.Append(AnthropicChatResponse.String(block, "data"));
                }

                break;
            }

            case "content_block_delta":
            {
                int index = data.GetProperty("index").GetInt32();
                var delta = data.GetProperty("delta");
                var state = _blocks.TryGetValue(index, out var s) ? s : _blocks[index] = new Block(null, null, null);
                switch (AnthropicChatResponse.String(delta, "type"))
                {
                    case "text_delta":
                        yield return Update(new TextContent(AnthropicChatResponse.String(delta, "text") ?? string.Empty));
                        break;
                    case "thinking_delta":
                        yield return Update(new TextReasoningContent(AnthropicChatResponse.String(delta, "thinking") ?? string.Empty));
                        break;
                    case "signature_delta":
                        state.Signature.Append(AnthropicChatResponse.String(delta, "signature"));
                        break;
                    case "input_json_delta":
                        string partial = AnthropicChatResponse.String(delta, "partial_json") ?? string.Empty;
                        if (state.Structured)
                        {
                            if (partial.Length > 0)
                            {
                                yield return Update(new TextContent(partial));
                            }
                        }
                        else
                        {
                            state.Json.Append(partial);
                        }

                        break;
                }

                break;
            }

            case "content_block_stop":
            {
                int index = data.GetProperty("index").GetInt32();
                if (!_blocks.Remove(index, out var state))
                {
                    break;
                }

                if (state.Type == "tool_use" && !state.Structured)
                {
                    string json = state.Json.Length == 0 ? "{}" : state.Json.ToString();
                    yield return Update(FunctionCallContent.CreateFromParsedArguments(json, state.Id ?? string.Empty, state.Name ?? string.Empty,
                        static j => JsonSerializer.Deserialize(j, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Dictionary<string, object?>))) as Dictionary<string, object?>));
                }
                else if (state.Type is "thinking" or "redacted_thinking" && state.Signature.Length > 0)
                {
                    yield return Update(new TextReasoningContent(string.Empty) { ProtectedData = state.Signature.ToString() });
                }

                break;
            }

            case "message_delta":
            {
                if (data.TryGetProperty("usage", out var usage))
                {
                    _usage.Add(usage);
                }

                string? stopReason = data.TryGetProperty("delta", out var delta) ? AnthropicChatResponse.String(delta, "stop_reason") : null;
                var contents = new List<AIContent>(2);
                if (stopReason == "refusal")
                {
                    contents.Add(Refusals.Create(AnthropicChatResponse.RefusalMessage));
                }

                if (_usage.ToUsage() is { } details)
                {
                    contents.Add(new UsageContent(details));
                }

                var update = Update(contents);
                update.FinishReason = AnthropicChatResponse.FinishReason(stopReason, _answeredThroughTool);
                yield return update;
                break;
            }

            case "message_stop":
                Finished = true;
                break;
        }
    }

    private ChatResponseUpdate Update(AIContent content) => Update([content]);

    private ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = _id,
        MessageId = _id,
        ModelId = _model,
    };

    private sealed class Block(string? type, string? id, string? name)
    {
        public string? Type { get; } = type;

        public string? Id { get; } = id;

        public string? Name { get; } = name;

        public bool Structured { get; set; }

        public StringBuilder Json { get; } = new();

        public StringBuilder Signature { get; } = new();
    }
}
