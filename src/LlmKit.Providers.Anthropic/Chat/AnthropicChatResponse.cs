using System.Text;
using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Anthropic;

/// <summary>Reads Messages API responses and stream events into Microsoft.Extensions.AI types.</summary>
internal static class AnthropicChatResponse
{
    public const string RefusalMessage = "The model declined to continue (Anthropic stop_reason \"refusal\").";

    public static ChatResponse Read(JsonElement root)
    {
        var message = new ChatMessage(ChatRole.Assistant, []) { MessageId = JsonText.String(root, "id") };
        if (root.TryGetProperty("content", out var blocks) && blocks.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in blocks.EnumerateArray())
            {
                switch (JsonText.String(block, "type"))
                {
                    case "text":
                        message.Contents.Add(new TextContent(JsonText.String(block, "text") ?? string.Empty));
                        break;
                    case "thinking":
                        message.Contents.Add(new TextReasoningContent(JsonText.String(block, "thinking")) { ProtectedData = JsonText.String(block, "signature") });
                        break;
                    case "redacted_thinking":
                        message.Contents.Add(new TextReasoningContent(string.Empty) { ProtectedData = JsonText.String(block, "data") });
                        break;
                    case "tool_use":
                        message.Contents.Add(ToolCall(block, block.TryGetProperty("input", out var input) ? input : default));
                        break;
                }
            }
        }

        string? stopReason = JsonText.String(root, "stop_reason");
        if (stopReason == "refusal")
        {
            message.Contents.Add(Refusals.Create(RefusalMessage));
        }

        var response = new ChatResponse(message)
        {
            ResponseId = message.MessageId,
            ModelId = JsonText.String(root, "model"),
            FinishReason = FinishReason(stopReason),
            Usage = root.TryGetProperty("usage", out var usage) ? new UsageAccumulator().Add(usage).ToUsage() : null,
        };
        if (stopReason is not null)
        {
            (response.AdditionalProperties ??= [])["stop_reason"] = stopReason;
        }

        return response;
    }

    public static FunctionCallContent ToolCall(JsonElement block, JsonElement input) =>
        WireExtras.ToolCall(JsonText.String(block, "id") ?? string.Empty, JsonText.String(block, "name") ?? string.Empty,
            input.ValueKind == JsonValueKind.Undefined ? null : input.GetRawText()); // an input that is not an object is reported as such

    public static ChatFinishReason? FinishReason(string? stopReason) => stopReason switch
    {
        null => null,
        "end_turn" or "stop_sequence" => ChatFinishReason.Stop,
        "tool_use" => ChatFinishReason.ToolCalls,
        "max_tokens" or "model_context_window_exceeded" => ChatFinishReason.Length,
        "refusal" => ChatFinishReason.ContentFilter,
        { } other => new ChatFinishReason(other),
    };
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
        _input = JsonText.Long(usage, "input_tokens") ?? _input;
        _cacheWrite = JsonText.Long(usage, "cache_creation_input_tokens") ?? _cacheWrite;
        _cacheRead = JsonText.Long(usage, "cache_read_input_tokens") ?? _cacheRead;
        _output = JsonText.Long(usage, "output_tokens") ?? _output;
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
/// Turns Messages API stream events into updates. Text and thinking pass through as they arrive (a surrogate pair split
/// across two deltas is joined first); tool calls are emitted whole at the end of their block.
/// </summary>
internal sealed class AnthropicStreamAssembler : IChatStreamAssembler
{
    private readonly Dictionary<int, Block> _blocks = [];
    private readonly UsageAccumulator _usage = new();
    private readonly SurrogateStitcher _text = new();
    private readonly SurrogateStitcher _thinking = new();
    private string? _id;
    private string? _model;

    public bool Finished { get; private set; }

    public bool Ended => Finished;

    public ChatResponseUpdate? Flush()
    {
        var rest = new List<AIContent>(2);
        if (_thinking.Flush() is { } thinking)
        {
            rest.Add(new TextReasoningContent(thinking));
        }

        if (_text.Flush() is { } text)
        {
            rest.Add(new TextContent(text));
        }

        return rest.Count == 0 ? null : Update(rest);
    }

    public IEnumerable<ChatResponseUpdate> Read(JsonElement data)
    {
        switch (JsonText.String(data, "type"))
        {
            case "message_start":
                var message = data.GetProperty("message");
                _id = JsonText.String(message, "id");
                _model = JsonText.String(message, "model");
                if (message.TryGetProperty("usage", out var startUsage))
                {
                    _usage.Add(startUsage);
                }

                break;

            case "content_block_start":
            {
                int index = data.GetProperty("index").GetInt32();
                var block = data.GetProperty("content_block");
                string? type = JsonText.String(block, "type");
                var state = new Block(type, JsonText.String(block, "id"), JsonText.String(block, "name"));
                _blocks[index] = state;
                if (type == "text" && JsonText.Fragment(block, "text") is { Length: > 0 } initial && _text.Take(initial) is { Length: > 0 } text)
                {
                    yield return Update(new TextContent(text));
                }
                else if (type == "thinking" && JsonText.Fragment(block, "thinking") is { Length: > 0 } initialThinking && _thinking.Take(initialThinking) is { Length: > 0 } thought)
                {
                    yield return Update(new TextReasoningContent(thought));
                }
                else if (type == "redacted_thinking")
                {
                    state.Signature.Append(JsonText.String(block, "data"));
                }

                break;
            }

            case "content_block_delta":
            {
                int index = data.GetProperty("index").GetInt32();
                var delta = data.GetProperty("delta");
                var state = _blocks.TryGetValue(index, out var s) ? s : _blocks[index] = new Block(null, null, null);
                switch (JsonText.String(delta, "type"))
                {
                    case "text_delta" when _text.Take(JsonText.Fragment(delta, "text") ?? string.Empty) is { Length: > 0 } text:
                        yield return Update(new TextContent(text));
                        break;
                    case "thinking_delta" when _thinking.Take(JsonText.Fragment(delta, "thinking") ?? string.Empty) is { Length: > 0 } thought:
                        yield return Update(new TextReasoningContent(thought));
                        break;
                    case "signature_delta":
                        state.Signature.Append(JsonText.String(delta, "signature"));
                        break;
                    case "input_json_delta":
                        state.Json.Append(JsonText.Fragment(delta, "partial_json")); // halves of a pair join here; checked when the block ends
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

                if (state.Type == "tool_use")
                {
                    yield return Update(WireExtras.ToolCall(state.Id ?? string.Empty, state.Name ?? string.Empty, state.Json.ToString()));
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

                string? stopReason = data.TryGetProperty("delta", out var delta) ? JsonText.String(delta, "stop_reason") : null;
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
                update.FinishReason = AnthropicChatResponse.FinishReason(stopReason);
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

        public StringBuilder Json { get; } = new();

        public StringBuilder Signature { get; } = new();
    }
}
