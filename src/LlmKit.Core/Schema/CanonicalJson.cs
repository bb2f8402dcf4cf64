using System.Buffers;
using System.Text;
using System.Text.Json;

namespace LlmKit.Schema;

/// <summary>
/// Serializes JSON the same way every time: compact, with object keys in ordinal order, so equal data gives equal
/// bytes across calls, processes and machines. Schemas sent to providers keep their <c>properties</c> in declared order
/// (<see cref="Serialize"/>); values compared for equality — tool arguments, cache keys — sort every key
/// (<see cref="SerializeSorted"/>).
/// </summary>
/// <remarks>
/// Declared property order is kept in schemas because models generate fields in schema order, so a type that lists
/// <c>reasoning</c> before <c>answer</c> gets the reasoning first; declaration order is already deterministic for a
/// given type, so provider prompt caches and LlmKit's response cache still hit.
/// </remarks>
public static class CanonicalJson
{
    /// <summary>
    /// Writes a JSON schema compactly with object keys in ordinal order, except the members of <c>properties</c>,
    /// which keep their declared order.
    /// </summary>
    /// <param name="value">The JSON value.</param>
    /// <returns>The canonical text.</returns>
    public static string Serialize(JsonElement value) => ToText(value, sortAll: false);

    /// <summary>Writes a JSON schema canonically (see <see cref="Serialize"/>) to a writer.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The JSON value.</param>
    public static void Write(Utf8JsonWriter writer, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Write(writer, value, sortAll: false, keepOrder: false, skip: null);
    }

    /// <summary>Writes any JSON value compactly with every object's keys in ordinal order, for comparing values.</summary>
    /// <param name="value">The JSON value.</param>
    /// <returns>The canonical text.</returns>
    public static string SerializeSorted(JsonElement value) => ToText(value, sortAll: true);

    /// <summary>
    /// Writes any JSON value with every object's keys in ordinal order to a writer, leaving out the top-level members
    /// <paramref name="skip"/> names.
    /// </summary>
    /// <param name="writer">The writer.</param>
    /// <param name="value">The JSON value.</param>
    /// <param name="skip">Names top-level members to leave out, if any.</param>
    public static void WriteSorted(Utf8JsonWriter writer, JsonElement value, Func<string, bool>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Write(writer, value, sortAll: true, keepOrder: false, skip);
    }

    private static string ToText(JsonElement value, bool sortAll)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true }))
        {
            Write(writer, value, sortAll, keepOrder: false, skip: null);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement value, bool sortAll, bool keepOrder, Func<string, bool>? skip)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                // Objects in requests are small (a message, an options bag), so a sorted list beats anything cleverer.
                var members = new List<JsonProperty>();
                foreach (var member in value.EnumerateObject())
                {
                    if (skip is null || !skip(member.Name))
                    {
                        members.Add(member);
                    }
                }

                if (!keepOrder)
                {
                    members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                }

                writer.WriteStartObject();
                foreach (var member in members)
                {
                    writer.WritePropertyName(member.Name);
                    Write(writer, member.Value, sortAll, keepOrder: !sortAll && !keepOrder && member.Name == "properties", skip: null);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    Write(writer, item, sortAll, keepOrder: false, skip: null);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }
}
