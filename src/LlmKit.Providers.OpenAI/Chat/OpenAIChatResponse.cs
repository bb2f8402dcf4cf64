using System.Text;
using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.OpenAI;

/// <summary>Reads Chat Completions responses and stream chunks into Microsoft.Extensions.AI types.</summary>
internal static class OpenAIChatResponse
{
    public static ChatResponse Read(JsonElement root)
    {
        var message = new ChatMessage(ChatRole.Assistant, []);
        ChatFinishReason? finishReason = null;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            // Only the first choice: n > 1 is rare with chat models and Microsoft.Extensions.AI has one message per turn.
            var choice = choices[0];
            finishReason = FinishReasonOf(choice);
            if (choice.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object)
            {
                if (JsonText.String(m, "reasoning_content") is { Length: > 0 } reasoning)
                {
                    message.Contents.Add(new TextReasoningContent(reasoning)); // DeepSeek, vLLM and llama.cpp reasoning parsers
                }

                if (JsonText.String(m, "content") is { } text)
                {
                    message.Contents.Add(new TextContent(text));
                }

                if (JsonText.String(m, "refusal") is { } refusal)
                {
                    message.Contents.Add(Refusals.Create(refusal));
                }

                if (m.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var function = call.GetProperty("function");
                        message.Contents.Add(WireExtras.ToolCall(JsonText.String(call, "id") ?? string.Empty, JsonText.String(function, "name") ?? string.Empty, JsonText.String(function, "arguments")));
                    }
                }
                else if (m.TryGetProperty("function_call", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
                {
                    message.Contents.Add(WireExtras.ToolCall(string.Empty, JsonText.String(legacy, "name") ?? string.Empty, JsonText.String(legacy, "arguments")));
                }
            }
        }

        string? id = JsonText.String(root, "id");
        message.MessageId = id;
        var response = new ChatResponse(message)
        {
            ResponseId = id,
            ModelId = JsonText.String(root, "model"),
            CreatedAt = CreatedAt(root),
            FinishReason = finishReason,
            Usage = root.TryGetProperty("usage", out var usage) ? Usage(usage) : null,
        };
        if (JsonText.String(root, "system_fingerprint") is { } fingerprint)
        {
            (response.AdditionalProperties ??= [])["system_fingerprint"] = fingerprint;
        }

        return response;
    }

    public static ChatFinishReason? FinishReasonOf(JsonElement choice) => JsonText.String(choice, "finish_reason") switch
    {
        null => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" or "function_call" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        { } other => new ChatFinishReason(other),
    };

    public static DateTimeOffset? CreatedAt(JsonElement root) =>
        root.TryGetProperty("created", out var created) && created.ValueKind == JsonValueKind.Number && created.TryGetInt64(out long seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static UsageDetails? Usage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var details = new UsageDetails
        {
            InputTokenCount = JsonText.Long(usage, "prompt_tokens"),
            OutputTokenCount = JsonText.Long(usage, "completion_tokens"),
            TotalTokenCount = JsonText.Long(usage, "total_tokens"),
        };
        if (usage.TryGetProperty("prompt_tokens_details", out var input) && input.ValueKind == JsonValueKind.Object)
        {
            details.CachedInputTokenCount = JsonText.Long(input, "cached_tokens");
            AddCount(details, input, "audio_tokens", "input_audio_tokens");
        }

        if (usage.TryGetProperty("completion_tokens_details", out var output) && output.ValueKind == JsonValueKind.Object)
        {
            details.ReasoningTokenCount = JsonText.Long(output, "reasoning_tokens");
            AddCount(details, output, "audio_tokens", "output_audio_tokens");
            AddCount(details, output, "accepted_prediction_tokens");
            AddCount(details, output, "rejected_prediction_tokens");
        }

        return details;
    }

    private static void AddCount(UsageDetails details, JsonElement parent, string name, string? key = null)
    {
        if (JsonText.Long(parent, name) is { } value and > 0)
        {
            (details.AdditionalCounts ??= [])[key ?? name] = value;
        }
    }
}

/// <summary>
/// Turns stream chunks into updates. Text is passed on as it arrives; tool calls and refusals are assembled and
/// emitted whole when the choice finishes, because a half-received argument string is useless to a caller and a
/// refusal split into pieces would read as several refusals. A surrogate pair split across two deltas is joined
/// before it is passed on.
/// </summary>
internal sealed class OpenAIStreamAssembler : IChatStreamAssembler
{
    private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _toolCalls = [];
    private readonly SurrogateStitcher _text = new();
    private readonly SurrogateStitcher _reasoning = new();
    private StringBuilder? _refusal;
    private string? _responseId;
    private string? _model;
    private DateTimeOffset? _createdAt;

    public bool Finished { get; private set; }

    /// <summary>Gets a value indicating whether reading can stop: never, since the usage chunk follows the finish reason.</summary>
    public bool Ended => false;

    public IEnumerable<ChatResponseUpdate> Read(JsonElement chunk)
    {
        _responseId ??= JsonText.String(chunk, "id");
        _model = JsonText.String(chunk, "model") ?? _model;
        _createdAt ??= OpenAIChatResponse.CreatedAt(chunk);

        if (chunk.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.TryGetProperty("index", out var index) && index.ValueKind == JsonValueKind.Number && index.GetInt32() != 0)
                {
                    continue;
                }

                if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                {
                    var contents = new List<AIContent>(1);
                    if (JsonText.Fragment(delta, "reasoning_content") is { Length: > 0 } piece && _reasoning.Take(piece) is { Length: > 0 } reasoning)
                    {
                        contents.Add(new TextReasoningContent(reasoning));
                    }

                    if (JsonText.Fragment(delta, "content") is { Length: > 0 } fragment && _text.Take(fragment) is { Length: > 0 } text)
                    {
                        contents.Add(new TextContent(text));
                    }

                    if (JsonText.Fragment(delta, "refusal") is { } refusal)
                    {
                        (_refusal ??= new()).Append(refusal);
                    }

                    if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var call in calls.EnumerateArray())
                        {
                            AddToolCallDelta(call);
                        }
                    }

                    if (contents.Count > 0)
                    {
                        yield return Update(contents);
                    }
                }

                if (OpenAIChatResponse.FinishReasonOf(choice) is { } finishReason)
                {
                    Finished = true;
                    var final = Update(DrainAssembled());
                    final.FinishReason = finishReason;
                    yield return final;
                }
            }
        }

        if (chunk.TryGetProperty("usage", out var usage) && OpenAIChatResponse.Usage(usage) is { } details)
        {
            yield return Update([new UsageContent(details)]);
        }
    }

    /// <summary>Emits whatever was assembled when a server ends the stream without a finish reason.</summary>
    public ChatResponseUpdate? Flush()
    {
        var rest = DrainAssembled();
        return rest.Count == 0 ? null : Update(rest);
    }

    private void AddToolCallDelta(JsonElement call)
    {
        // Some compatible servers omit "index" and send each call whole; key those by arrival order.
        int index = call.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt32() : _toolCalls.Count;
        if (!_toolCalls.TryGetValue(index, out var entry))
        {
            entry = (null, null, new StringBuilder());
        }

        entry.Id ??= JsonText.String(call, "id");
        if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            entry.Name ??= JsonText.String(function, "name");
            entry.Arguments.Append(JsonText.Fragment(function, "arguments")); // joined halves are checked when the call is complete
        }

        _toolCalls[index] = entry;
    }

    private List<AIContent> DrainAssembled()
    {
        var contents = new List<AIContent>(_toolCalls.Count + 1);
        if (_reasoning.Flush() is { } reasoning)
        {
            contents.Add(new TextReasoningContent(reasoning));
        }

        if (_text.Flush() is { } text)
        {
            contents.Add(new TextContent(text)); // half of a pair that never got its partner: U+FFFD, as the SDKs do
        }

        if (_refusal is { } refusal)
        {
            contents.Add(Refusals.Create(JsonText.ReplaceLoneSurrogates(refusal.ToString())));
            _refusal = null;
        }

        foreach (var (_, call) in _toolCalls)
        {
            contents.Add(WireExtras.ToolCall(call.Id ?? string.Empty, call.Name ?? string.Empty, call.Arguments.ToString()));
        }

        _toolCalls.Clear();
        return contents;
    }

    private ChatResponseUpdate Update(IList<AIContent> contents) => new(ChatRole.Assistant, contents)
    {
        ResponseId = _responseId,
        MessageId = _responseId,
        ModelId = _model,
        CreatedAt = _createdAt,
    };
}
