namespace LlmKit.Tokens;

/// <summary>
/// Splits text into the pieces OpenAI's pre-tokenization regexes would match, left to right. Each method below
/// mirrors one alternative of the pattern, including the backtracking a regex engine would do, so that the result is
/// identical to fancy-regex's leftmost-first matching without paying for a regex engine on the hot path.
/// </summary>
/// <remarks>
/// o200k_base: <c>[^\r\n\p{L}\p{N}]?[Upper]*[Lower]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[Upper]+[Lower]*(?i:…)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>
/// where Upper = <c>[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]</c> and Lower = <c>[\p{Ll}\p{Lm}\p{Lo}\p{M}]</c>.
/// cl100k_base: <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>.
/// </remarks>
internal ref struct PieceScanner
{
    private readonly ReadOnlySpan<char> _text;
    private readonly bool _o200k;
    private int _position;

    public PieceScanner(ReadOnlySpan<char> text, TiktokenPattern pattern)
    {
        _text = text;
        _o200k = pattern == TiktokenPattern.O200kBase;
        _position = 0;
        Start = 0;
        End = 0;
    }

    /// <summary>Gets the start (inclusive) of the current piece, in chars.</summary>
    public int Start { get; private set; }

    /// <summary>Gets the end (exclusive) of the current piece, in chars.</summary>
    public int End { get; private set; }

    public bool MoveNext()
    {
        int i = _position;
        if (i >= _text.Length)
        {
            return false;
        }

        int end = _o200k ? MatchO200k(i) : MatchCl100k(i);
        Start = i;
        End = end;
        _position = end;
        return true;
    }

    private readonly int MatchO200k(int i)
    {
        ReadOnlySpan<char> s = _text;
        byte f = CharClasses.Classify(s, i, out int w);
        bool prefixable = (f & (CharClasses.NewLine | CharClasses.Letter | CharClasses.Number)) == 0;

        // Alternatives 1 and 2: the optional prefix is greedy, so each is tried with it first and then without.
        if ((f & (CharClasses.UpperLike | CharClasses.LowerLike)) != 0 || prefixable)
        {
            int end;
            if (prefixable && i + w < s.Length && (end = CaseAwareWordLowerTail(i + w)) > 0)
            {
                return end;
            }

            if ((end = CaseAwareWordLowerTail(i)) > 0)
            {
                return end;
            }

            if (prefixable && i + w < s.Length && (end = CaseAwareWordUpper(i + w)) > 0)
            {
                return end;
            }

            if ((end = CaseAwareWordUpper(i)) > 0)
            {
                return end;
            }
        }

        if ((f & CharClasses.Number) != 0)
        {
            return Digits(i, w);
        }

        return PunctuationOrSpace(i, f, w, slashAfter: true);
    }

    private readonly int MatchCl100k(int i)
    {
        ReadOnlySpan<char> s = _text;
        int contraction = Contraction(i);
        if (contraction > 0)
        {
            return i + contraction;
        }

        byte f = CharClasses.Classify(s, i, out int w);
        if ((f & CharClasses.Letter) != 0)
        {
            return LetterRun(i);
        }

        if ((f & (CharClasses.NewLine | CharClasses.Number)) == 0 && i + w < s.Length &&
            (CharClasses.Classify(s, i + w, out _) & CharClasses.Letter) != 0)
        {
            return LetterRun(i + w);
        }

        if ((f & CharClasses.Number) != 0)
        {
            return Digits(i, w);
        }

        return PunctuationOrSpace(i, f, w, slashAfter: false);
    }

    /// <summary><c>[Upper]*[Lower]+contraction?</c> from <paramref name="j"/>; 0 when it does not match.</summary>
    private readonly int CaseAwareWordLowerTail(int j)
    {
        ReadOnlySpan<char> s = _text;
        int k = j;
        int lastLowerEnd = -1;
        byte f = 0;
        int w = 0;
        while (k < s.Length && ((f = CharClasses.Classify(s, k, out w)) & CharClasses.UpperLike) != 0)
        {
            k += w;
            if ((f & CharClasses.LowerLike) != 0)
            {
                lastLowerEnd = k;
            }
        }

        int end;
        if (k < s.Length && (f & CharClasses.LowerLike) != 0)
        {
            // The upper run stopped at a lowercase letter: the lower run continues greedily from there.
            end = LowerRun(k + w);
        }
        else if (lastLowerEnd > 0)
        {
            // Backtracking: [Upper]* gives back its last char that is also Lower ([Lower]+ needs one), and the
            // Lu/Lt chars after it cannot extend [Lower]+.
            end = lastLowerEnd;
        }
        else
        {
            return 0;
        }

        return end + Contraction(end);
    }

    /// <summary><c>[Upper]+[Lower]*contraction?</c> from <paramref name="j"/>; 0 when it does not match.</summary>
    private readonly int CaseAwareWordUpper(int j)
    {
        ReadOnlySpan<char> s = _text;
        int k = j;
        while (k < s.Length && (CharClasses.Classify(s, k, out int w) & CharClasses.UpperLike) != 0)
        {
            k += w;
        }

        if (k == j)
        {
            return 0;
        }

        int end = LowerRun(k);
        return end + Contraction(end);
    }

    private readonly int LowerRun(int k)
    {
        ReadOnlySpan<char> s = _text;
        while (k < s.Length && (CharClasses.Classify(s, k, out int w) & CharClasses.LowerLike) != 0)
        {
            k += w;
        }

        return k;
    }

    private readonly int LetterRun(int k)
    {
        ReadOnlySpan<char> s = _text;
        while (k < s.Length)
        {
            char c = s[k];
            if (c < 0x80)
            {
                // ASCII fast path: most text is ASCII letters.
                if ((uint)((c | 0x20) - 'a') <= 'z' - 'a')
                {
                    k++;
                    continue;
                }

                break;
            }

            if ((CharClasses.Classify(s, k, out int w) & CharClasses.Letter) == 0)
            {
                break;
            }

            k += w;
        }

        return k;
    }

    private readonly int Digits(int i, int w)
    {
        ReadOnlySpan<char> s = _text;
        int k = i + w;
        for (int count = 1; count < 3 && k < s.Length; count++)
        {
            if ((CharClasses.Classify(s, k, out int w2) & CharClasses.Number) == 0)
            {
                break;
            }

            k += w2;
        }

        return k;
    }

    /// <summary>The last four alternatives: <c> ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>.</summary>
    private readonly int PunctuationOrSpace(int i, byte f, int w, bool slashAfter)
    {
        ReadOnlySpan<char> s = _text;
        const byte NotSymbol = CharClasses.WhiteSpace | CharClasses.Letter | CharClasses.Number;

        int j = -1;
        if ((f & NotSymbol) == 0)
        {
            j = i;
        }
        else if (s[i] == ' ' && i + 1 < s.Length && (CharClasses.Classify(s, i + 1, out _) & NotSymbol) == 0)
        {
            j = i + 1;
        }

        if (j >= 0)
        {
            int k = j;
            while (k < s.Length && (CharClasses.Classify(s, k, out int w2) & NotSymbol) == 0)
            {
                k += w2;
            }

            while (k < s.Length && (s[k] is '\r' or '\n' || (slashAfter && s[k] == '/')))
            {
                k++;
            }

            return k;
        }

        // Only white space is left (every letter, number and symbol matched above); white space is all BMP.
        int runEnd = i;
        int lastNewLineEnd = -1;
        while (runEnd < s.Length && (CharClasses.Classify(s, runEnd, out _) & CharClasses.WhiteSpace) != 0)
        {
            if (s[runEnd] is '\r' or '\n')
            {
                lastNewLineEnd = runEnd + 1;
            }

            runEnd++;
        }

        if (runEnd == i)
        {
            // Unreachable for the two patterns (every code point is a letter, number, symbol or white space); kept so
            // that a surprise advances by one code point instead of looping.
            return i + w;
        }

        if (lastNewLineEnd > 0)
        {
            return lastNewLineEnd;                 // \s*[\r\n]+
        }

        if (runEnd == s.Length || runEnd - i == 1)
        {
            return runEnd;                         // \s+(?!\S) at the end of the text, or \s+
        }

        return runEnd - 1;                         // \s+(?!\S): leave the last space to prefix the next word
    }

    /// <summary>The length of <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)</c> at <paramref name="k"/>, or 0.</summary>
    private readonly int Contraction(int k)
    {
        ReadOnlySpan<char> s = _text;
        if (k + 1 >= s.Length || s[k] != '\'')
        {
            return 0;
        }

        char a = s[k + 1];
        switch (a | 0x20)
        {
            case 's' when a is 's' or 'S':
            case 't' when a is 't' or 'T':
            case 'm' when a is 'm' or 'M':
            case 'd' when a is 'd' or 'D':
                return 2;
        }

        if (a == '\u017F')
        {
            return 2; // LATIN SMALL LETTER LONG S case-folds to 's' under (?i)
        }

        if (k + 2 < s.Length)
        {
            char b = (char)(s[k + 2] | 0x20);
            switch (a | 0x20)
            {
                case 'r' when b == 'e' && a is 'r' or 'R' && s[k + 2] is 'e' or 'E':
                case 'v' when b == 'e' && a is 'v' or 'V' && s[k + 2] is 'e' or 'E':
                case 'l' when b == 'l' && a is 'l' or 'L' && s[k + 2] is 'l' or 'L':
                    return 3;
            }
        }

        return 0;
    }
}
