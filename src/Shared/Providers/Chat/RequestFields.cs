using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers;

/// <summary>
/// Writes one optional request field unless the caller's <c>AdditionalProperties</c> carry a field of the same name:
/// extras win, so a caller can always override a field for a server with a quirk, and writing both would send a
/// duplicate key, which servers resolve inconsistently.
/// </summary>
internal static class RequestFields
{
    // float, not double: 0.7f widened to double would be written as 0.699999988079071.
    public static void Number(Utf8JsonWriter w, AdditionalPropertiesDictionary? extras, string name, float? value)
    {
        if (value is { } number && WireExtras.Own(extras, name))
        {
            w.WriteNumber(name, number);
        }
    }

    public static void Number(Utf8JsonWriter w, AdditionalPropertiesDictionary? extras, string name, long? value)
    {
        if (value is { } number && WireExtras.Own(extras, name))
        {
            w.WriteNumber(name, number);
        }
    }

    public static void Strings(Utf8JsonWriter w, AdditionalPropertiesDictionary? extras, string name, IList<string>? values)
    {
        if (values is not { Count: > 0 } || !WireExtras.Own(extras, name))
        {
            return;
        }

        w.WriteStartArray(name);
        foreach (string value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
