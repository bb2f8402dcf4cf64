using System.Buffers;
using LlmKit.Schema;

namespace LlmKit.StructuredOutput;

/// <summary>
/// Reads JSON as it arrives, chunk by chunk, in time proportional to each chunk: a resumable state machine (the open
/// containers, the token being read) that keeps one number, the <em>cut</em> — how far the text can be shown — so a
/// snapshot is the text up to the cut with the open string and containers closed.
/// </summary>
/// <remarks>
/// <para>
/// The cut moves past every complete value, every character of a string value and every digit of a number, never into
/// a member whose value has not started, a half-written literal or escape, or a number cut before a digit ("1.", "-"),
/// so the closed text is always valid JSON and shows what was written without guessing. Nothing is materialized
/// here: <see cref="Snapshot"/> only records where the text ends, and the caller turns it into a node or a value when
/// (if ever) it wants one. That is what makes streaming linear: re-reading the whole prefix for every chunk made a
/// 10 MB answer in 65 KB chunks cost 42 s.
/// </para>
/// <para>
/// Text that is not JSON, or that nests deeper than <see cref="ModelJson.MaxDepth"/>, stops the reader: the snapshot
/// stays at the last point that was fine, and the final validation says what is wrong.
/// </para>
/// </remarks>
internal sealed class PartialJsonReader
{
    // In a string, everything but these is copied as it is; found with one vectorized search per run.
    private static readonly SearchValues<char> StringStops = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    private readonly bool _findStart;
    private readonly string? _rootMember;
    private readonly Frame[] _frames = new Frame[ModelJson.MaxDepth];

    private char[] _text = new char[1024];
    private int _length;
    private int _pos;
    private int _depth;
    private bool _begun;
    private bool _ended;

    private Token _token;
    private bool _stringIsKey;
    private int _keyStart;
    private int _escapeRead;
    private int _escapeUnit;
    private NumberPart _number;
    private string _literal = string.Empty;
    private int _literalIndex;

    private int _rootStart;
    private int _cut;
    private bool _cutInString;

    // Only for a wrapped root: the value of _rootMember in the top-level object is what is shown.
    private bool _memberMatches;
    private bool _valueOpen;
    private int _valueStart = -1;
    private int _valueEnd;

    /// <summary>Initializes a reader.</summary>
    /// <param name="findStart">
    /// Whether the value starts at the first <c>{</c> or <c>[</c> (a model's answer, which may begin with prose or a code
    /// fence); otherwise it starts after leading white space, and anything else there means no value.
    /// </param>
    /// <param name="rootMember">
    /// For a wrapped root (<c>{"value": …}</c>), the member of the top-level object whose value is shown; <see langword="null"/>
    /// to show the whole value.
    /// </param>
    public PartialJsonReader(bool findStart, string? rootMember = null)
    {
        _findStart = findStart;
        _rootMember = rootMember;
    }

    private enum Token
    {
        None,
        String,
        Escape,
        Number,
        Literal,
    }

    private enum Expect
    {
        ArrayStart,
        ArrayAfterValue,
        ArrayAfterComma,
        ObjectStart,
        ObjectAfterKey,
        ObjectAfterColon,
        ObjectAfterValue,
        ObjectAfterComma,
    }

    // Where a number is in the JSON grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; the *Digits parts and Zero can end it.
    private enum NumberPart
    {
        Invalid,
        Minus,
        Zero,
        IntegerDigits,
        Dot,
        FractionDigits,
        Exponent,
        ExponentSign,
        ExponentDigits,
    }

    /// <summary>
    /// Gets a number that changes whenever what a snapshot shows has changed (a character of a string, a digit, a value,
    /// an opened container); white space, keys, commas and the closing of what was already shown closed do not change it.
    /// </summary>
    public int Version { get; private set; }

    /// <summary>Reads the next piece of text.</summary>
    /// <param name="chunk">The text, as it arrived.</param>
    public void Append(ReadOnlySpan<char> chunk)
    {
        if (_ended)
        {
            return; // what follows the value (a closing fence, a sentence) is never shown, so it is not kept either
        }

        if (_length + chunk.Length > _text.Length)
        {
            // A new array rather than a resized one: snapshots taken so far keep reading the old one, whose text up to
            // their end never changes.
            var grown = new char[Math.Max(_text.Length * 2, _length + chunk.Length)];
            _text.AsSpan(0, _length).CopyTo(grown);
            _text = grown;
        }

        chunk.CopyTo(_text.AsSpan(_length));
        _length += chunk.Length;
        while (_pos < _length && !_ended)
        {
            switch (_token)
            {
                case Token.String:
                    ReadString();
                    break;
                case Token.Escape:
                    ReadEscape();
                    break;
                case Token.Number:
                    ReadNumber();
                    break;
                case Token.Literal:
                    ReadLiteral();
                    break;
                default:
                    ReadStructure();
                    break;
            }
        }
    }

    /// <summary>The value shown so far, or <see langword="null"/> when nothing can be shown yet. Costs O(depth).</summary>
    public PartialJsonSnapshot? Snapshot()
    {
        if (Version == 0)
        {
            return null;
        }

        int start = _rootStart, end = _cut, outerFrames = 0;
        bool inString = _cutInString;
        if (_rootMember is not null)
        {
            start = _valueStart;
            outerFrames = 1;
            if (!_valueOpen)
            {
                (end, inString, outerFrames) = (_valueEnd, false, _depth);
            }
        }

        Span<char> suffix = stackalloc char[ModelJson.MaxDepth + 1];
        int length = 0;
        if (inString)
        {
            suffix[length++] = '"';
        }

        for (int i = _depth - 1; i >= outerFrames; i--)
        {
            suffix[length++] = _frames[i].IsObject ? '}' : ']';
        }

        return new PartialJsonSnapshot(_text, start, end - start, new string(suffix[..length]));
    }

    private void ReadStructure()
    {
        if (!_begun)
        {
            var rest = _text.AsSpan(_pos, _length - _pos);
            int start = _findStart ? rest.IndexOfAny('{', '[') : rest.IndexOfAnyExcept(" \t\r\n".AsSpan());
            if (start < 0)
            {
                _pos = _length;
                return;
            }

            _pos += start;
            _begun = true;
            _rootStart = _pos;
            StartValue();
            return;
        }

        char c = _text[_pos];
        if (c is ' ' or '\t' or '\r' or '\n')
        {
            _pos++;
            return;
        }

        ref var top = ref _frames[_depth - 1];
        switch (top.Expect)
        {
            case Expect.ArrayStart or Expect.ArrayAfterComma when c == ']':
            case Expect.ArrayAfterValue when c == ']':
            case Expect.ObjectStart or Expect.ObjectAfterComma when c == '}':
            case Expect.ObjectAfterValue when c == '}':
                // A trailing comma ("[1,]") is tolerated here; the final validation repairs or rejects it.
                Close();
                break;
            case Expect.ArrayStart or Expect.ArrayAfterComma or Expect.ObjectAfterColon:
                StartValue();
                break;
            case Expect.ArrayAfterValue or Expect.ObjectAfterValue when c == ',':
                top.Expect = top.IsObject ? Expect.ObjectAfterComma : Expect.ArrayAfterComma;
                _pos++;
                break;
            case Expect.ObjectStart or Expect.ObjectAfterComma when c == '"':
                _token = Token.String;
                _stringIsKey = true;
                _keyStart = ++_pos;
                break;
            case Expect.ObjectAfterKey when c == ':':
                top.Expect = Expect.ObjectAfterColon;
                _pos++;
                break;
            default:
                Stop();
                break;
        }
    }

    private void StartValue()
    {
        if (_rootMember is not null && _depth == 1 && _memberMatches)
        {
            _memberMatches = false;
            _valueOpen = true;
            _valueStart = _pos;
        }

        char c = _text[_pos];
        switch (c)
        {
            case '{' or '[':
                if (_depth == ModelJson.MaxDepth)
                {
                    Stop();
                    return;
                }

                _frames[_depth++] = new Frame(c == '{', c == '{' ? Expect.ObjectStart : Expect.ArrayStart);
                Advance(++_pos, inString: false, visible: true);
                break;
            case '"':
                _token = Token.String;
                _stringIsKey = false;
                Advance(++_pos, inString: true, visible: true);
                break;
            case 't' or 'f' or 'n':
                _token = Token.Literal;
                _literal = c == 't' ? "true" : c == 'f' ? "false" : "null";
                _literalIndex = 0;
                ReadLiteral();
                break;
            case '-' or (>= '0' and <= '9'):
                _token = Token.Number;
                _number = NumberPart.Invalid;
                ReadNumber();
                break;
            default:
                Stop();
                break;
        }
    }

    private void ReadString()
    {
        var rest = _text.AsSpan(_pos, _length - _pos);
        int stop = rest.IndexOfAny(StringStops);
        int runEnd = stop < 0 ? _length : _pos + stop;
        if (runEnd > _pos)
        {
            _pos = runEnd;
            // A high surrogate at the end of what arrived may be half of a pair whose other half is in the next chunk.
            int cut = stop < 0 && char.IsHighSurrogate(_text[runEnd - 1]) ? runEnd - 1 : runEnd;
            if (!_stringIsKey && cut > _cut)
            {
                Advance(cut, inString: true, visible: true);
            }
        }

        if (stop < 0)
        {
            return;
        }

        switch (_text[_pos])
        {
            case '"':
                _pos++;
                _token = Token.None;
                if (_stringIsKey)
                {
                    EndKey();
                }
                else
                {
                    Advance(_pos, inString: false, visible: false);
                    EndValue();
                }

                break;
            case '\\':
                _pos++;
                _token = Token.Escape;
                _escapeRead = 0;
                break;
            default:
                Stop(); // a raw control character: not JSON
                break;
        }
    }

    private void ReadEscape()
    {
        char c = _text[_pos++];
        if (_escapeRead == 0)
        {
            if (c == 'u')
            {
                _escapeRead = 1;
                _escapeUnit = 0;
            }
            else if (c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't')
            {
                EndEscape(highSurrogate: false);
            }
            else
            {
                Stop();
            }

            return;
        }

        int digit = HexValue(c);
        if (digit < 0)
        {
            Stop();
            return;
        }

        _escapeUnit = (_escapeUnit << 4) | digit;
        if (++_escapeRead == 5)
        {
            EndEscape(_escapeUnit is >= 0xD800 and <= 0xDBFF);
        }
    }

    // The cut waits after the first half of an escaped pair (\ud83d\ude00); a half that stays alone is shown as U+FFFD.
    private void EndEscape(bool highSurrogate)
    {
        _token = Token.String;
        if (!_stringIsKey && !highSurrogate)
        {
            Advance(_pos, inString: true, visible: true);
        }
    }

    private void EndKey()
    {
        if (_rootMember is not null && _depth == 1)
        {
            // Compared as written: a member name spelled with escapes is not recognised, which costs only the preview.
            _memberMatches = _text.AsSpan(_keyStart, _pos - 1 - _keyStart).SequenceEqual(_rootMember);
        }

        _frames[_depth - 1].Expect = Expect.ObjectAfterKey;
    }

    private void ReadNumber()
    {
        while (_pos < _length)
        {
            var next = Next(_number, _text[_pos]);
            if (next == NumberPart.Invalid)
            {
                _token = Token.None;
                if (CanEnd(_number))
                {
                    EndValue(); // the character after the number is read as structure
                }
                else
                {
                    Stop();
                }

                return;
            }

            _number = next;
            _pos++;
            if (CanEnd(next))
            {
                Advance(_pos, inString: false, visible: true);
            }
        }
    }

    private void ReadLiteral()
    {
        while (_pos < _length)
        {
            if (_text[_pos] != _literal[_literalIndex])
            {
                Stop();
                return;
            }

            _pos++;
            if (++_literalIndex == _literal.Length)
            {
                _token = Token.None;
                Advance(_pos, inString: false, visible: true);
                EndValue();
                return;
            }
        }
    }

    private void Close()
    {
        _depth--;
        Advance(++_pos, inString: false, visible: false);
        EndValue();
    }

    private void EndValue()
    {
        if (_depth == 0)
        {
            _ended = true; // whatever follows the value (a closing code fence, a sentence) is not part of it
            return;
        }

        ref var top = ref _frames[_depth - 1];
        top.Expect = top.IsObject ? Expect.ObjectAfterValue : Expect.ArrayAfterValue;
        if (_valueOpen && _depth == 1)
        {
            _valueOpen = false;
            _valueEnd = _cut;
        }
    }

    private void Advance(int cut, bool inString, bool visible)
    {
        _cut = cut;
        _cutInString = inString;
        if (visible && (_rootMember is null || _valueOpen))
        {
            Version++;
        }
    }

    private void Stop() => _ended = true;

    private static bool CanEnd(NumberPart part) => part is NumberPart.Zero or NumberPart.IntegerDigits or NumberPart.FractionDigits or NumberPart.ExponentDigits;

    private static NumberPart Next(NumberPart part, char c)
    {
        bool digit = char.IsAsciiDigit(c);
        return part switch
        {
            NumberPart.Invalid when c == '-' => NumberPart.Minus,
            NumberPart.Invalid or NumberPart.Minus when c == '0' => NumberPart.Zero,
            NumberPart.Invalid or NumberPart.Minus when digit => NumberPart.IntegerDigits,
            NumberPart.IntegerDigits when digit => NumberPart.IntegerDigits,
            NumberPart.Zero or NumberPart.IntegerDigits when c == '.' => NumberPart.Dot,
            NumberPart.Dot or NumberPart.FractionDigits when digit => NumberPart.FractionDigits,
            NumberPart.Zero or NumberPart.IntegerDigits or NumberPart.FractionDigits when c is 'e' or 'E' => NumberPart.Exponent,
            NumberPart.Exponent when c is '+' or '-' => NumberPart.ExponentSign,
            NumberPart.Exponent or NumberPart.ExponentSign or NumberPart.ExponentDigits when digit => NumberPart.ExponentDigits,
            _ => NumberPart.Invalid,
        };
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private record struct Frame(bool IsObject, Expect Expect);
}
