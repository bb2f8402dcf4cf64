using System.Globalization;
using System.Text;

namespace LlmKit.Rag.Keyword;

/// <summary>
/// Turns text into index terms: word segmentation (letters, digits and combining marks; every CJK ideograph on its
/// own), case folding, stop-word removal and Porter stemming. The same analyzer must index and query an index.
/// </summary>
/// <remarks>
/// Segmentation is a fast approximation of Unicode word boundaries (UAX #29): a word is a maximal run of letters,
/// digits and marks, so punctuation, symbols and emoji separate words and are not indexed. That is what a keyword
/// index wants and it avoids the full boundary tables on the hot path.
/// </remarks>
public sealed class TextAnalyzer
{
    private readonly HashSet<string> _stopWords;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _stopLookup;

    /// <summary>Initializes a new instance of the <see cref="TextAnalyzer"/> class.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public TextAnalyzer(TextAnalyzerOptions? options = null)
    {
        options ??= new TextAnalyzerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTokenLength, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxTokenLength, TextAnalyzerConstants.MaxTokenLengthLimit, nameof(options));
        Options = options;
        _stopWords = new HashSet<string>(options.StopWords.Select(w => w.ToLowerInvariant()), StringComparer.Ordinal);
        _stopLookup = _stopWords.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Gets the options this analyzer was created with.</summary>
    public TextAnalyzerOptions Options { get; }

    /// <summary>Returns the terms of <paramref name="text"/> in order, repeated terms included.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The terms.</returns>
    public IReadOnlyList<string> Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = new ListSink(this);
        Tokenize(text, ref sink);
        return sink.Terms;
    }

    /// <summary>
    /// Emits each case-folded word of <paramref name="text"/> (before stop words and stemming) to <paramref name="sink"/>.
    /// </summary>
    internal void Tokenize<TSink>(ReadOnlySpan<char> text, ref TSink sink)
        where TSink : struct, ITokenSink, allows ref struct
    {
        int max = Options.MaxTokenLength;
        Span<char> buffer = stackalloc char[TextAnalyzerConstants.MaxTokenLengthLimit + 2];
        int length = 0;
        bool overflow = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c < 0x80)
            {
                // ASCII fast path: most text in practice, and every synthetic benchmark term.
                if (char.IsAsciiLetterOrDigit(c))
                {
                    if (length < max)
                    {
                        buffer[length++] = (char)(c | (char.IsAsciiLetterUpper(c) ? 0x20 : 0));
                    }
                    else
                    {
                        overflow = true;
                    }
                }
                else if (length > 0 || overflow)
                {
                    Flush(ref sink, buffer, ref length, ref overflow);
                }

                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(text[i..], out Rune rune, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                consumed = 1;
            }

            var category = Rune.GetUnicodeCategory(rune);
            bool isMark = category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
            if (IsIdeograph(rune.Value))
            {
                if (length > 0 || overflow)
                {
                    Flush(ref sink, buffer, ref length, ref overflow);
                }

                int written = Rune.ToLowerInvariant(rune).EncodeToUtf16(buffer);
                length = written;
                Flush(ref sink, buffer, ref length, ref overflow);
            }
            else if (Rune.IsLetterOrDigit(rune) || (isMark && (length > 0 || overflow)))
            {
                Rune lower = Rune.ToLowerInvariant(rune);
                if (length + lower.Utf16SequenceLength <= max)
                {
                    length += lower.EncodeToUtf16(buffer[length..]);
                }
                else
                {
                    overflow = true;
                }
            }
            else if (length > 0 || overflow)
            {
                Flush(ref sink, buffer, ref length, ref overflow);
            }

            i += consumed;
        }

        if (length > 0 || overflow)
        {
            Flush(ref sink, buffer, ref length, ref overflow);
        }
    }

    /// <summary>
    /// Turns a case-folded word into its term in place: returns -1 for a stop word, otherwise the term's length.
    /// </summary>
    internal int Normalize(Span<char> word)
    {
        if (_stopWords.Count > 0 && _stopLookup.Contains(word))
        {
            return -1;
        }

        return Options.Stem ? PorterStemmer.Stem(word) : word.Length;
    }

    private static void Flush<TSink>(ref TSink sink, scoped Span<char> buffer, ref int length, ref bool overflow)
        where TSink : struct, ITokenSink, allows ref struct
    {
        // An over-long token is dropped rather than truncated: a truncated hash would match unrelated ones.
        if (!overflow)
        {
            sink.OnToken(buffer[..length]);
        }

        length = 0;
        overflow = false;
    }

    private static bool IsIdeograph(int cp) =>
        cp is (>= 0x3040 and <= 0x30FF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x2FA1F);

    private struct ListSink(TextAnalyzer analyzer) : ITokenSink
    {
        public List<string> Terms { get; } = [];

        public readonly void OnToken(scoped Span<char> word)
        {
            int length = analyzer.Normalize(word);
            if (length > 0)
            {
                Terms.Add(new string(word[..length]));
            }
        }
    }
}

/// <summary>Receives the case-folded words found by <see cref="TextAnalyzer"/>; the span may be rewritten in place.</summary>
internal interface ITokenSink
{
    void OnToken(scoped Span<char> word);
}
