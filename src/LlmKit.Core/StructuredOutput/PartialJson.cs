using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmKit.StructuredOutput;

/// <summary>
/// Reads JSON that is still being written: any prefix of a valid JSON text gives the value written so far, with open
/// strings, arrays and objects closed where they were cut. Never throws.
/// </summary>
/// <remarks>
/// A member whose value has not started, a number cut before its first digit and a half-written <c>true</c>,
/// <c>false</c> or <c>null</c> are left out rather than guessed. A string cut mid-way is kept as far as it goes,
/// because showing the text as it arrives is the point of streaming.
/// </remarks>
public static class PartialJson
{
    private const int MaxDepth = 64;

    /// <summary>Parses a prefix of a JSON text.</summary>
    /// <param name="prefix">The text received so far; leading white space is skipped.</param>
    /// <param name="value">The value written so far (may be a JSON <c>null</c>).</param>
    /// <returns><see langword="true"/> when a value had started; <see langword="false"/> for empty or non-JSON input.</returns>
    public static bool TryParse(ReadOnlySpan<char> prefix, out JsonNode? value)
    {
        var reader = new Reader(prefix);
        return reader.TryValue(0, out value);
    }

    /// <summary>Parses a prefix of a JSON text, returning <see langword="null"/> when no value had started.</summary>
    /// <param name="prefix">The text received so far.</param>
    /// <returns>The value written so far, or <see langword="null"/>.</returns>
    public static JsonNode? Parse(ReadOnlySpan<char> prefix) => TryParse(prefix, out var value) ? value : null;

    private ref struct Reader(ReadOnlySpan<char> text)
    {
        private readonly ReadOnlySpan<char> _text = text;
        private int _pos;

        private readonly bool AtEnd => _pos >= _text.Length;

        public bool TryValue(int depth, out JsonNode? value)
        {
            value = null;
            SkipWhiteSpace();
            if (AtEnd || depth > MaxDepth)
            {
                return false;
            }

            char c = _text[_pos];
            switch (c)
            {
                case '{':
                    value = ReadObject(depth);
                    return true;
                case '[':
                    value = ReadArray(depth);
                    return true;
                case '"':
                    value = JsonValue.Create(ReadString(out _));
                    return true;
                case 't':
                    return ReadLiteral("true", JsonValue.Create(true), out value);
                case 'f':
                    return ReadLiteral("false", JsonValue.Create(false), out value);
                case 'n':
                    return ReadLiteral("null", null, out value);
                default:
                    return (c == '-' || char.IsAsciiDigit(c)) && ReadNumber(out value);
            }
        }

        private JsonObject ReadObject(int depth)
        {
            var result = new JsonObject();
            _pos++;
            while (true)
            {
                SkipWhiteSpace();
                if (AtEnd)
                {
                    return result;
                }

                char c = _text[_pos];
                if (c == '}')
                {
                    _pos++;
                    return result;
                }

                if (c == ',')
                {
                    _pos++;
                    continue;
                }

                if (c != '"')
                {
                    _pos = _text.Length;
                    return result;
                }

                string key = ReadString(out bool keyClosed);
                SkipWhiteSpace();
                if (!keyClosed || AtEnd || _text[_pos] != ':')
                {
                    _pos = _text.Length;
                    return result;
                }

                _pos++;
                int before = _pos;
                if (TryValue(depth + 1, out var member))
                {
                    result[key] = member;
                }
                else if (_pos == before && !AtEnd)
                {
                    _pos = _text.Length;
                }
            }
        }

        private JsonArray ReadArray(int depth)
        {
            var result = new JsonArray();
            _pos++;
            while (true)
            {
                SkipWhiteSpace();
                if (AtEnd)
                {
                    return result;
                }

                char c = _text[_pos];
                if (c == ']')
                {
                    _pos++;
                    return result;
                }

                if (c == ',')
                {
                    _pos++;
                    continue;
                }

                int before = _pos;
                if (TryValue(depth + 1, out var item))
                {
                    result.Add(item);
                }
                else if (_pos == before)
                {
                    _pos = _text.Length;
                }
            }
        }

        private string ReadString(out bool closed)
        {
            closed = false;
            _pos++;
            var builder = new StringBuilder();
            while (!AtEnd)
            {
                char c = _text[_pos++];
                if (c == '"')
                {
                    closed = true;
                    return builder.ToString();
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    continue;
                }

                if (AtEnd)
                {
                    break;
                }

                char escape = _text[_pos++];
                switch (escape)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'u':
                        if (_pos + 4 > _text.Length ||
                            !int.TryParse(_text.Slice(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        {
                            _pos = _text.Length;
                            return builder.ToString();
                        }

                        builder.Append((char)code);
                        _pos += 4;
                        break;
                    default: builder.Append(escape); break;
                }
            }

            return builder.ToString();
        }

        private bool ReadLiteral(string literal, JsonNode? node, out JsonNode? value)
        {
            value = null;
            var rest = _text[_pos..];
            if (rest.StartsWith(literal, StringComparison.Ordinal))
            {
                _pos += literal.Length;
                value = node;
                return true;
            }

            // A half-written literal is dropped, never guessed; anything else is not JSON and ends the parse.
            _pos = _text.Length;
            return false;
        }

        private bool ReadNumber(out JsonNode? value)
        {
            value = null;
            int start = _pos;
            while (!AtEnd && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] is '-' or '+' or '.' or 'e' or 'E'))
            {
                _pos++;
            }

            var number = _text[start.._pos];
            // Trim a cut-off tail ("1.", "2e", "-") back to the longest valid number.
            while (number.Length > 0 && !char.IsAsciiDigit(number[^1]))
            {
                number = number[..^1];
            }

            if (number.Length == 0)
            {
                return false;
            }

            if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
            {
                value = JsonValue.Create(integer);
                return true;
            }

            if (decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal exact))
            {
                value = JsonValue.Create(exact);
                return true;
            }

            if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double approximate) && double.IsFinite(approximate))
            {
                value = JsonValue.Create(approximate);
                return true;
            }

            return false;
        }

        private void SkipWhiteSpace()
        {
            while (!AtEnd && _text[_pos] is ' ' or '\t' or '\n' or '\r')
            {
                _pos++;
            }
        }
    }
}
