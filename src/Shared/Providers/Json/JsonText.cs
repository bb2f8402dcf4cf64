using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace LlmKit.Providers;

/// <summary>
/// Reads strings and numbers out of provider JSON without trusting it to be well-formed text. System.Text.Json parses
/// an escaped lone surrogate (<c>"\ud83d"</c>) or invalid UTF-8 inside a string and only throws when the string is
/// read; a model can produce both (an emoji split across stream deltas, a token cut in half). Here they never throw:
/// <see cref="String"/> replaces what is invalid with U+FFFD as the providers' own SDKs do, and
/// <see cref="Fragment"/> keeps lone surrogates so that a stream can join the halves across deltas.
/// </summary>
internal static class JsonText
{
    private const char Replacement = '\uFFFD';

    /// <summary>The string property <paramref name="name"/> of an object as complete text: invalid UTF-16 or UTF-8 becomes U+FFFD.</summary>
    public static string? String(JsonElement element, string name) =>
        Fragment(element, name) is { } text ? ReplaceLoneSurrogates(text) : null;

    /// <summary>The string property <paramref name="name"/> of an object as a piece of a longer text: lone surrogates are kept for joining.</summary>
    public static string? Fragment(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? Read(value)
            : null;

    /// <summary>The integer property <paramref name="name"/> of an object.</summary>
    public static long? Long(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n)
            ? n
            : null;

    /// <summary>Replaces every unpaired surrogate with U+FFFD; returns the same instance when there is none (the common case).</summary>
    public static string ReplaceLoneSurrogates(string text)
    {
        int first = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return text;
        }

        char[]? copy = null;
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++; // a valid pair
            }
            else if (char.IsSurrogate(c))
            {
                copy ??= text.ToCharArray();
                copy[i] = Replacement;
            }
        }

        return copy is null ? text : new string(copy);
    }

    private static string Read(JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // Rare: only text that is not valid UTF-16 or UTF-8 gets here, so the slow path costs nothing normally.
            return Unescape(JsonMarshal.GetRawUtf8Value(value));
        }
    }

    /// <summary>Decodes a raw JSON string token (with its quotes) leniently: escapes as written, invalid UTF-8 as U+FFFD.</summary>
    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        if (raw is [(byte)'"', .., (byte)'"'])
        {
            raw = raw[1..^1];
        }

        var text = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            int backslash = raw.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                text.Append(Encoding.UTF8.GetString(raw)); // the decoder turns invalid UTF-8 into U+FFFD
                break;
            }

            text.Append(Encoding.UTF8.GetString(raw[..backslash]));
            raw = raw[(backslash + 1)..];
            if (raw.IsEmpty)
            {
                break;
            }

            byte escape = raw[0];
            raw = raw[1..];
            if (escape == (byte)'u' && raw.Length >= 4 &&
                ushort.TryParse(Encoding.ASCII.GetString(raw[..4]), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort code))
            {
                text.Append((char)code); // may be half of a pair: kept so that the caller can join or replace it
                raw = raw[4..];
                continue;
            }

            text.Append(escape switch
            {
                (byte)'n' => '\n',
                (byte)'r' => '\r',
                (byte)'t' => '\t',
                (byte)'b' => '\b',
                (byte)'f' => '\f',
                _ => (char)escape, // \" \\ \/
            });
        }

        return text.ToString();
    }
}
