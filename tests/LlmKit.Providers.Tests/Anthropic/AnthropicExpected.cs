using System.Text;
using System.Text.Json.Nodes;
using LlmKit.Providers.Tests.Recordings;

namespace LlmKit.Providers.Tests.Anthropic;

/// <summary>What a recorded Messages API response says, read independently of the provider's parser.</summary>
internal sealed record AnthropicExpected(
    string Text, List<(string Id, string Name, JsonNode Input)> ToolCalls, string? StopReason,
    long? InputTokens, long? CacheReadTokens, long? CacheWriteTokens, long? OutputTokens, string? Model, bool Thought)
{
    public static AnthropicExpected From(RecordedInteraction interaction)
    {
        var text = new StringBuilder();
        var calls = new List<(string Id, string Name, JsonNode Input)>();
        string? stop = null, model = null;
        long? input = null, cacheRead = null, cacheWrite = null, output = null;
        bool thought = false;

        void Usage(JsonNode? usage)
        {
            if (usage is null)
            {
                return;
            }

            input = (long?)usage["input_tokens"] ?? input;
            cacheRead = (long?)usage["cache_read_input_tokens"] ?? cacheRead;
            cacheWrite = (long?)usage["cache_creation_input_tokens"] ?? cacheWrite;
            output = (long?)usage["output_tokens"] ?? output;
        }

        if (!interaction.Sse)
        {
            var root = JsonNode.Parse(interaction.Body)!;
            model = (string?)root["model"];
            stop = (string?)root["stop_reason"];
            Usage(root["usage"]);
            foreach (var block in root["content"]!.AsArray())
            {
                switch ((string?)block!["type"])
                {
                    case "text":
                        text.Append((string?)block["text"]);
                        break;
                    case "tool_use":
                        calls.Add(((string)block["id"]!, (string)block["name"]!, block["input"]!.DeepClone()));
                        break;
                    case "thinking":
                        thought = true;
                        break;
                }
            }
        }
        else
        {
            var json = new Dictionary<int, (string Id, string Name, StringBuilder Json)>();
            foreach (string line in interaction.Body.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)))
            {
                var e = JsonNode.Parse(line[5..])!;
                switch ((string?)e["type"])
                {
                    case "message_start":
                        model = (string?)e["message"]!["model"];
                        Usage(e["message"]!["usage"]);
                        break;
                    case "content_block_start" when (string?)e["content_block"]!["type"] == "tool_use":
                        json[(int)e["index"]!] = ((string)e["content_block"]!["id"]!, (string)e["content_block"]!["name"]!, new StringBuilder());
                        break;
                    case "content_block_start" when (string?)e["content_block"]!["type"] == "thinking":
                        thought = true;
                        break;
                    case "content_block_delta":
                        var delta = e["delta"]!;
                        text.Append((string?)delta["text"]);
                        if ((string?)delta["partial_json"] is { } partial)
                        {
                            json[(int)e["index"]!].Json.Append(partial);
                        }

                        break;
                    case "content_block_stop" when json.Remove((int)e["index"]!, out var call):
                        calls.Add((call.Id, call.Name, JsonNode.Parse(call.Json.Length == 0 ? "{}" : call.Json.ToString())!));
                        break;
                    case "message_delta":
                        stop = (string?)e["delta"]!["stop_reason"] ?? stop;
                        Usage(e["usage"]);
                        break;
                }
            }
        }

        return new AnthropicExpected(text.ToString(), calls, stop, input, cacheRead, cacheWrite, output, model, thought);
    }
}
