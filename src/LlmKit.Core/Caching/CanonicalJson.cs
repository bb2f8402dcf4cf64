using System.Text.Json;

namespace LlmKit.Caching;

/// <summary>
/// Writes JSON with every object's properties in ordinal order, so that two serializations of equal data are equal
/// byte for byte whatever order dictionaries were filled in.
/// </summary>
internal static class CanonicalJson
{
    public static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, element, skip: null);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>Writes an object in canonical order, leaving out the properties <paramref name="skip"/> names.</summary>
    public static void WriteObject(Utf8JsonWriter writer, JsonElement element, Func<string, bool>? skip)
    {
        // Objects in requests are small (a message, an options bag), so a sorted array beats anything cleverer.
        var properties = new List<JsonProperty>();
        foreach (var property in element.EnumerateObject())
        {
            if (skip is null || !skip(property.Name))
            {
                properties.Add(property);
            }
        }

        properties.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        writer.WriteStartObject();
        foreach (var property in properties)
        {
            writer.WritePropertyName(property.Name);
            Write(writer, property.Value);
        }

        writer.WriteEndObject();
    }
}
