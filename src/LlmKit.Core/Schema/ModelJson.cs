using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmKit.Schema;

/// <summary>
/// Reads JSON text that a model wrote (a structured answer, tool-call arguments). Text that is not valid UTF-16 — a lone
/// surrogate, written raw or as a <c>\uD83D</c> escape — becomes U+FFFD, as the providers' own SDKs decode it, instead
/// of an exception deep inside System.Text.Json; text that cannot be read says why (not JSON, or nested too deep).
/// </summary>
internal static class ModelJson
{
    /// <summary>
    /// The deepest nesting read: System.Text.Json's default, which also bounds what a <see cref="System.Text.Json.Nodes.JsonNode"/>
    /// can be written back as, so every value LlmKit reads can be shown and serialized again.
    /// </summary>
    public const int MaxDepth = 64;

    private const string ReplacementEscape = "\\ufffd";

    /// <summary>Parses <paramref name="text"/>; <paramref name="error"/> says why when it returns <see langword="null"/>.</summary>
    public static JsonDocument? Parse(string text, out ModelJsonError? error)
    {
        byte[] utf8 = ToUtf8(text, []);
        try
        {
            error = null;
            return JsonDocument.Parse(utf8);
        }
        catch (JsonException ex)
        {
            error = new ModelJsonError(Depth(utf8), ex.Message);
            return null;
        }
    }

    /// <summary>
    /// <paramref name="text"/> then <paramref name="suffix"/> (plain ASCII, no escapes) as UTF-8, every lone surrogate
    /// replaced by U+FFFD: an escaped one by the escape <c>\ufffd</c>, a raw one by the encoder.
    /// </summary>
    public static byte[] ToUtf8(ReadOnlySpan<char> text, ReadOnlySpan<char> suffix)
    {
        char[]? copy = null;
        for (int at = LoneSurrogateEscape(text, 0); at >= 0; at = LoneSurrogateEscape(text, at + ReplacementEscape.Length))
        {
            // The replacement has the escape's length, so positions stay where they were.
            copy ??= text.ToArray();
            ReplacementEscape.CopyTo(copy.AsSpan(at));
            text = copy;
        }

        // Encoding.UTF8 replaces raw lone surrogates with U+FFFD; JsonDocument.Parse(string) would throw on them.
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + suffix.Length];
        int written = Encoding.UTF8.GetBytes(text, bytes);
        Encoding.ASCII.GetBytes(suffix, bytes.AsSpan(written));
        return bytes;
    }

    // The index of the next \uXXXX escape (at or after start) that encodes a surrogate without its other half, or -1.
    // Walks escape by escape, so "\\ud83d" (an escaped backslash, then text) is not mistaken for one.
    private static int LoneSurrogateEscape(ReadOnlySpan<char> text, int start)
    {
        int i = start;
        while (i < text.Length)
        {
            int backslash = text[i..].IndexOf('\\');
            if (backslash < 0)
            {
                return -1;
            }

            i += backslash;
            if (!TryEscapedUnit(text, i, out int unit))
            {
                i += 2;
                continue;
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (TryEscapedUnit(text, i + 6, out int low) && low is >= 0xDC00 and <= 0xDFFF)
                {
                    i += 12;
                    continue;
                }

                return i;
            }

            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return i;
            }

            i += 6;
        }

        return -1;
    }

    private static bool TryEscapedUnit(ReadOnlySpan<char> text, int at, out int unit)
    {
        unit = 0;
        return at + 6 <= text.Length && text[at] == '\\' && text[at + 1] == 'u' &&
               int.TryParse(text.Slice(at + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out unit);
    }

    // How deep the text nests, read without a depth limit (iteratively, so any depth is safe): only called once a
    // parse has failed, to tell "nested too deep" from "not JSON".
    private static int Depth(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = int.MaxValue });
        int deepest = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    deepest = Math.Max(deepest, reader.CurrentDepth + 1);
                }
            }
        }
        catch (JsonException)
        {
            // The syntax error the parse reported; the depth up to it is what counts.
        }

        return deepest;
    }
}

/// <summary>Why model text could not be read as JSON.</summary>
/// <param name="Depth">How deep the text nests (up to the first syntax error).</param>
/// <param name="Detail">The parser's message, with the line and byte position.</param>
internal sealed record ModelJsonError(int Depth, string Detail)
{
    /// <summary>Gets a value indicating whether the text is JSON that nests deeper than <see cref="ModelJson.MaxDepth"/>.</summary>
    public bool TooDeep => Depth > ModelJson.MaxDepth;
}
