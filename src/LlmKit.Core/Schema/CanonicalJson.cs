using System.Buffers;
using System.Text;
using System.Text.Json;

namespace LlmKit.Schema;

/// <summary>
/// Serializes JSON schemas the same way every time, so the bytes sent to a provider are identical across calls,
/// processes and machines and provider prompt caches (and LlmKit's response cache) hit.
/// </summary>
public static class CanonicalJson
{
    /// <summary>
    /// Writes <paramref name="value"/> compactly with object keys in ordinal order, except the members of
    /// <c>properties</c>, which keep their declared order.
    /// </summary>
    /// <remarks>
    /// Property order is kept because models generate fields in schema order, so a type that lists <c>reasoning</c>
    /// before <c>answer</c> gets the reasoning first; declaration order is already deterministic for a given type.
    /// </remarks>
    /// <param name="value">The JSON value.</param>
    /// <returns>The canonical text.</returns>
    public static string Serialize(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true }))
        {
            Write(writer, value, keepOrder: false);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes <paramref name="value"/> canonically to a writer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The JSON value.</param>
    public static void Write(Utf8JsonWriter writer, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Write(writer, value, keepOrder: false);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement value, bool keepOrder)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var members = value.EnumerateObject().ToList();
                if (!keepOrder)
                {
                    members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                }

                foreach (var member in members)
                {
                    writer.WritePropertyName(member.Name);
                    Write(writer, member.Value, keepOrder: !keepOrder && member.Name == "properties");
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Write(writer, item, keepOrder: false);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
