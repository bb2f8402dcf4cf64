using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using LlmKit.Schema;

namespace LlmKit.StructuredOutput;

/// <summary>
/// The value a <see cref="PartialJsonReader"/> had read at one moment: a slice of its text and the characters that close
/// it. Holding one costs nothing; reading it as a node or a value costs time proportional to its length.
/// </summary>
internal sealed class PartialJsonSnapshot(char[] text, int start, int length, string closing)
{
    /// <summary>The closed text as UTF-8, lone surrogates replaced by U+FFFD.</summary>
    public byte[] ToUtf8() => ModelJson.ToUtf8(text.AsSpan(start, length), closing);

    /// <summary>The value as a node (<see langword="null"/> for a JSON <c>null</c>); a member written twice keeps its last value.</summary>
    public JsonNode? ToNode()
    {
        // Built from an element rather than with JsonNode.Parse, whose objects throw on a repeated member name the
        // first time the caller reads them.
        // Trailing commas are the one liberty the reader takes ("[1,]" closes as written); the final validation repairs them.
        var reader = new Utf8JsonReader(ToUtf8(), new JsonReaderOptions { AllowTrailingCommas = true, MaxDepth = ModelJson.MaxDepth });
        try
        {
            return ToNode(JsonElement.ParseValue(ref reader));
        }
        catch (JsonException)
        {
            return null; // not reachable for text the reader closed; kept so that a preview can never throw
        }
    }

    /// <summary>The value as a <typeparamref name="T"/>, or <see langword="default"/> when it cannot be read as one yet.</summary>
    public T? ToValue<T>(JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(ToUtf8(), typeInfo);
        }
        catch (Exception)
        {
            // Anything: a number still being written as a string, a constructor that rejects a half-written object. A
            // preview is best effort; the final result reports what is really wrong with the answer.
            return default;
        }
    }

    private static JsonNode? ToNode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var member in element.EnumerateObject())
                {
                    obj[member.Name] = ToNode(member.Value);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToNode(item));
                }

                return array;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element);
        }
    }
}
