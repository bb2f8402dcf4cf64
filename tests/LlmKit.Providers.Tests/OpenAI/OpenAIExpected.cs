using System.Text;
using System.Text.Json.Nodes;
using LlmKit.Providers.Tests.Recordings;

namespace LlmKit.Providers.Tests.OpenAI;

/// <summary>What a recorded Chat Completions response says, read independently of the provider's parser.</summary>
internal sealed record OpenAIExpected(
    string Text, string? Refusal, List<(string Id, string Name, JsonNode Arguments)> ToolCalls, string? FinishReason,
    long? InputTokens, long? OutputTokens, long? CachedTokens, long? ReasoningTokens, string? Model)
{
    public static OpenAIExpected From(RecordedInteraction interaction)
    {
        var chunks = interaction.Sse
            ? interaction.Body.Split('\n')
                .Where(l => l.StartsWith("data:", StringComparison.Ordinal) && l[5..].Trim() != "[DONE]")
                .Select(l => JsonNode.Parse(l[5..])!)
                .ToList()
            : [JsonNode.Parse(interaction.Body)!];
        var text = new StringBuilder();
        StringBuilder? refusal = null;
        var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Args)>();
        string? finish = null, model = null;
        JsonNode? usage = null;
        foreach (var chunk in chunks)
        {
            model = (string?)chunk["model"] ?? model;
            usage = chunk["usage"] ?? usage;
            if (chunk["choices"] is not JsonArray { Count: > 0 } choices)
            {
                continue;
            }

            var choice = choices[0]!;
            finish = (string?)choice["finish_reason"] ?? finish;
            var body = interaction.Sse ? choice["delta"] : choice["message"];
            if (body is null)
            {
                continue;
            }

            text.Append((string?)body["content"]);
            if ((string?)body["refusal"] is { } r)
            {
                (refusal ??= new()).Append(r);
            }

            if (body["tool_calls"] is JsonArray toolCalls)
            {
                for (int i = 0; i < toolCalls.Count; i++)
                {
                    var call = toolCalls[i]!;
                    int index = interaction.Sse ? (int?)call["index"] ?? i : i;
                    (string Id, string Name, StringBuilder Args) entry = calls.TryGetValue(index, out var e) ? e : ((string?)call["id"] ?? string.Empty, string.Empty, new StringBuilder());
                    entry.Name = (string?)call["function"]?["name"] is { Length: > 0 } n ? n : entry.Name;
                    entry.Args.Append((string?)call["function"]?["arguments"]);
                    calls[index] = entry;
                }
            }
        }

        return new OpenAIExpected(
            text.ToString(), refusal?.ToString(),
            calls.Values.Select(c => (c.Id, c.Name, JsonNode.Parse(c.Args.Length == 0 ? "{}" : c.Args.ToString())!)).ToList(),
            finish is "function_call" ? "tool_calls" : finish,
            (long?)usage?["prompt_tokens"], (long?)usage?["completion_tokens"],
            (long?)usage?["prompt_tokens_details"]?["cached_tokens"], (long?)usage?["completion_tokens_details"]?["reasoning_tokens"],
            model);
    }
}
