using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmKit.Providers.Tests.Recordings;

/// <summary>
/// Compares request bodies as parsed JSON, after normalizing the spellings that mean the same thing to the API:
/// null or absent fields, a lone text part versus a plain string, tool arguments as a JSON string with or without
/// spaces, and <c>"stream": false</c>.
/// </summary>
internal static class WireJson
{
    public static void AssertEquivalent(JsonNode? expected, JsonNode? actual, params string[] ignoredTopLevelKeys)
    {
        var e = Normalize(expected?.DeepClone(), ignoredTopLevelKeys);
        var a = Normalize(actual?.DeepClone(), ignoredTopLevelKeys);
        if (!JsonNode.DeepEquals(e, a))
        {
            Assert.Fail($"The request LlmKit sent differs from the recorded one at {FirstDifference(e, a, "$")}");
        }
    }

    private static JsonNode? Normalize(JsonNode? node, string[] ignoredTopLevelKeys)
    {
        if (node is JsonObject root)
        {
            foreach (string key in ignoredTopLevelKeys)
            {
                root.Remove(key);
            }

            if (root["stream"] is JsonValue s && s.GetValueKind() == JsonValueKind.False)
            {
                root.Remove("stream");
            }
        }

        return NormalizeNode(node);
    }

    private static string FirstDifference(JsonNode? e, JsonNode? a, string path)
    {
        if (e is JsonObject eo && a is JsonObject ao)
        {
            foreach (string key in eo.Select(p => p.Key).Union(ao.Select(p => p.Key)))
            {
                if (!JsonNode.DeepEquals(eo[key], ao[key]))
                {
                    return FirstDifference(eo[key], ao[key], $"{path}.{key}");
                }
            }
        }

        if (e is JsonArray ea && a is JsonArray aa && ea.Count == aa.Count)
        {
            for (int i = 0; i < ea.Count; i++)
            {
                if (!JsonNode.DeepEquals(ea[i], aa[i]))
                {
                    return FirstDifference(ea[i], aa[i], $"{path}[{i}]");
                }
            }
        }

        static string Show(JsonNode? n) => n is null ? "(absent)" : n.ToJsonString() is { Length: > 300 } big ? big[..300] + "…" : n.ToJsonString();
        return $"{path}: recorded {Show(e)}, sent {Show(a)}";
    }

    private static JsonNode? NormalizeNode(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    // An empty description is what "no description" looks like to the API; is_error defaults to false.
                    if (value is null ||
                        (key == "description" && value is JsonValue d && d.GetValueKind() == JsonValueKind.String && (string)d! == string.Empty) ||
                        (key == "is_error" && value is JsonValue f && f.GetValueKind() == JsonValueKind.False))
                    {
                        obj.Remove(key);
                        continue;
                    }

                    if (key == "arguments" && value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        string text = (string)v!;
                        obj[key] = string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text);
                        continue;
                    }

                    if (key is "content" or "system" && value is JsonArray { Count: 1 } parts &&
                        parts[0] is JsonObject part && (string?)part["type"] == "text" && part.Count == 2)
                    {
                        obj[key] = (string)part["text"]!;
                        continue;
                    }

                    obj[key] = NormalizeNode(value.DeepClone());
                }

                return obj;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    array[i] = NormalizeNode(array[i]?.DeepClone());
                }

                return array;
            default:
                return node;
        }
    }
}
