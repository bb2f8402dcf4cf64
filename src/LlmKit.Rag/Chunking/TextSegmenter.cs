using System.Globalization;

namespace LlmKit.Rag.Chunking;

/// <summary>The levels at which text is split, coarsest first.</summary>
internal enum SplitLevel
{
    Paragraph,
    Line,
    Sentence,
    Word,
}

/// <summary>
/// Finds split points in a text. Every split point is placed after a separator (blank line, line break, sentence end,
/// whitespace), so units keep their separators and concatenate back to the source, and only at grapheme-cluster
/// boundaries, so a surrogate pair, a combining sequence or a CR LF is never cut.
/// </summary>
internal sealed class TextSegmenter
{
    private readonly string _text;
    private readonly bool[] _graphemeStart;

    public TextSegmenter(string text)
    {
        _text = text;
        _graphemeStart = new bool[text.Length + 1];
        int i = 0;
        while (i < text.Length)
        {
            _graphemeStart[i] = true;
            i += Math.Max(1, StringInfo.GetNextTextElementLength(text, i));
        }

        _graphemeStart[text.Length] = true;
    }

    public string Text => _text;

    public bool IsBoundary(int position) => _graphemeStart[position];

    /// <summary>Splits [start, end) into units at <paramref name="level"/>; returns the unit end offsets.</summary>
    public void Split(int start, int end, SplitLevel level, List<int> ends)
    {
        ends.Clear();
        string t = _text;
        int i = start;
        while (i < end)
        {
            int next = level switch
            {
                SplitLevel.Paragraph => NextParagraphEnd(t, i, end),
                SplitLevel.Line => NextLineEnd(t, i, end),
                SplitLevel.Sentence => NextSentenceEnd(t, i, end),
                _ => NextWordEnd(t, i, end),
            };

            while (next < end && !_graphemeStart[next])
            {
                next++;
            }

            ends.Add(next);
            i = next;
        }
    }

    private static int SkipWhitespace(string t, int i, int end)
    {
        while (i < end && char.IsWhiteSpace(t[i]))
        {
            i++;
        }

        return i;
    }

    private static int NextParagraphEnd(string t, int i, int end)
    {
        while (i < end)
        {
            int nl = t.IndexOf('\n', i, end - i);
            if (nl < 0)
            {
                return end;
            }

            int after = SkipWhitespace(t, nl, end);
            int newlines = 0;
            for (int j = nl; j < after; j++)
            {
                if (t[j] == '\n')
                {
                    newlines++;
                }
            }

            if (newlines >= 2 || after == end)
            {
                return after;
            }

            i = nl + 1;
        }

        return end;
    }

    private static int NextLineEnd(string t, int i, int end)
    {
        int nl = t.IndexOf('\n', i, end - i);
        return nl < 0 ? end : nl + 1;
    }

    private static int NextSentenceEnd(string t, int i, int end)
    {
        for (int j = i; j < end; j++)
        {
            char c = t[j];
            if (c is '.' or '!' or '?' or '。' or '！' or '？' or '\n')
            {
                int k = j + 1;
                while (k < end && t[k] is '.' or '!' or '?' or '"' or '\'' or ')' or '”' or '’')
                {
                    k++;
                }

                if (k == end)
                {
                    return end;
                }

                if (char.IsWhiteSpace(t[k]) || c is '。' or '！' or '？')
                {
                    return SkipWhitespace(t, k, end);
                }

                j = k - 1;
            }
        }

        return end;
    }

    private static int NextWordEnd(string t, int i, int end)
    {
        int j = i;
        while (j < end && char.IsWhiteSpace(t[j]))
        {
            j++;
        }

        while (j < end && !char.IsWhiteSpace(t[j]))
        {
            j++;
        }

        return SkipWhitespace(t, j, end);
    }
}
