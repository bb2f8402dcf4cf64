using System.Globalization;

namespace LlmKit.Tokens;

/// <summary>
/// The Unicode classes the tiktoken pre-tokenization patterns test, as bit flags per code point. The BMP is looked up
/// in a 64 KiB table built once; supplementary code points (emoji, rare CJK) take the slower category lookup.
/// </summary>
internal static class CharClasses
{
    public const byte Letter = 1;       // \p{L}
    public const byte Number = 2;       // \p{N}
    public const byte UpperLike = 4;    // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    public const byte LowerLike = 8;    // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    public const byte WhiteSpace = 16;  // \s (Unicode White_Space)
    public const byte NewLine = 32;     // [\r\n]

    // Immutable after the type initializer; sharing it across encodings and threads is safe.
    private static readonly byte[] Bmp = BuildBmp();

    /// <summary>Classifies the code point at <paramref name="index"/> and returns its UTF-16 width.</summary>
    /// <remarks>
    /// An unpaired surrogate classifies as U+FFFD (a symbol: no flags), which is what it becomes when the text is
    /// encoded to UTF-8, and what tiktoken's JavaScript bindings see after TextEncoder replaced it.
    /// </remarks>
    public static byte Classify(ReadOnlySpan<char> text, int index, out int width)
    {
        char c = text[index];
        if (!char.IsHighSurrogate(c) || index + 1 >= text.Length || !char.IsLowSurrogate(text[index + 1]))
        {
            width = 1;
            return Bmp[c];
        }

        width = 2;
        return FromCategory(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[index + 1])), isWhiteSpace: false);
    }

    private static byte[] BuildBmp()
    {
        var table = new byte[65536];
        for (int c = 0; c < table.Length; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
            {
                continue; // unpaired surrogate: U+FFFD, no flags
            }

            table[c] = FromCategory(CharUnicodeInfo.GetUnicodeCategory(c), char.IsWhiteSpace((char)c));
            if (c is '\r' or '\n')
            {
                table[c] |= NewLine;
            }
        }

        return table;
    }

    private static byte FromCategory(UnicodeCategory category, bool isWhiteSpace)
    {
        byte flags = category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => Letter | UpperLike,
            UnicodeCategory.LowercaseLetter => Letter | LowerLike,
            UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Letter | UpperLike | LowerLike,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => UpperLike | LowerLike,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
            _ => 0,
        };
        return isWhiteSpace ? (byte)(flags | WhiteSpace) : flags;
    }
}
