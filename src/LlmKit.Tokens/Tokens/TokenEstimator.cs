namespace LlmKit.Tokens;

/// <summary>
/// Estimates token counts when no rank file applies (a model whose tokenizer is not public, for example). The
/// estimate is an upper bound meant to keep budgets safe: on LlmKit's parity corpus it never counts fewer tokens than
/// <c>o200k_base</c> or <c>cl100k_base</c>, at the price of over-counting typical English prose by about a half.
/// </summary>
/// <remarks>
/// Text is split with the o200k_base pre-tokenizer, and each piece is charged by what it is made of: a lowercase word's
/// first four letters one token, a token per three letters after that and per two in runs longer than sixteen;
/// capitals two per token; up to three digits one token; other ASCII two tokens per three chars; white space one per
/// four; two-byte letters three per two chars (combining marks two each); control chars (CR and LF included) one each; the space or symbol a word starts with nothing; three-byte characters two; four-byte ones (emoji) three.
/// </remarks>
public sealed class TokenEstimator : ITokenCounter
{
    internal const int WordHeadLetters = 4;
    internal const int LongRunLetters = 16;
    internal const int SpaceCharsPerToken = 4;

    /// <summary>Gets the shared instance; the estimator has no state.</summary>
    public static TokenEstimator Instance { get; } = new();

    /// <inheritdoc />
    public string EncodingName => "estimate";

    /// <inheritdoc />
    public bool IsExact => false;

    /// <inheritdoc />
    public int CountTokens(ReadOnlySpan<char> text)
    {
        int total = 0;
        var scanner = new PieceScanner(text, TiktokenPattern.O200kBase);
        while (scanner.MoveNext())
        {
            total += EstimatePiece(text[scanner.Start..scanner.End]);
        }

        return total;
    }

    private static int EstimatePiece(ReadOnlySpan<char> piece)
    {
        int lower = 0, upper = 0, digits = 0, spaces = 0, newLines = 0, symbols = 0, twoByte = 0, other = 0;

        // The pre-tokenizer attaches one leading space or symbol to a word, and BPE merges it with the word's head.
        int start = piece.Length > 1 && char.IsAsciiLetter(piece[1]) && piece[0] is >= ' ' and <= '~' && !char.IsAsciiLetterOrDigit(piece[0]) ? 1 : 0;
        for (int i = start; i < piece.Length; i++)
        {
            char c = piece[i];
            if (c < 0x80)
            {
                if ((uint)(c - 'a') <= 'z' - 'a')
                {
                    lower++;
                }
                else if ((uint)(c - 'A') <= 'Z' - 'A')
                {
                    upper++;
                }
                else if ((uint)(c - '0') <= 9)
                {
                    digits++;
                }
                else if (c is ' ' or '\t')
                {
                    spaces++;
                }
                else if (c < 0x20 || c == 0x7F)
                {
                    newLines++;
                }
                else
                {
                    symbols++;
                }
            }
            else if (c < 0x800)
            {
                // Two-byte letters (Cyrillic, Greek, Hebrew, Arabic) are about a token each; combining marks stack
                // up in ways no merge covers, so each may cost both of its bytes.
                if (c is >= '\u0300' and <= '\u036F')
                {
                    other += 2;
                }
                else
                {
                    twoByte++;
                }
            }
            else if (char.IsHighSurrogate(c) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]))
            {
                other += 3; // emoji and rare ideographs: four bytes, often three tokens
                i++;
            }
            else
            {
                other += 2; // CJK and other three-byte characters: rarer ones take two or three tokens
            }
        }

        if (upper == 1 && lower > 0)
        {
            // A capitalised word ("Span") merges like a lowercase one.
            upper = 0;
            lower++;
        }

        return LowerLetterTokens(lower) + CeilDiv(upper, 2) + CeilDiv(digits, 3) + CeilDiv(spaces, SpaceCharsPerToken) +
               newLines + CeilDiv(symbols * 2, 3) + CeilDiv(twoByte * 3, 2) + other;
    }

    /// <summary>
    /// A word's first letters are almost always one token with its leading space and natural words merge well, but
    /// long letter runs can be adversarial ("ababab…" is two letters per token), so those are charged at that rate.
    /// </summary>
    private static int LowerLetterTokens(int letters) => letters switch
    {
        0 => 0,
        <= WordHeadLetters => 1,
        <= LongRunLetters => 1 + CeilDiv(letters - WordHeadLetters, 3),
        _ => CeilDiv(letters, 2),
    };

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
