using System.Globalization;
using System.Text;

namespace LlmKit.Embeddings.Onnx.Tokenization;

/// <summary>
/// BERT's text normalisation and pre-tokenisation, in the order the Hugging Face tokenizer applies them (the one
/// sentence-transformers runs): drop control characters, map whitespace to a space, isolate CJK ideographs, strip
/// accents (NFD, then remove non-spacing marks), lower-case; then split on whitespace and isolate every punctuation
/// character.
/// </summary>
internal static class BertNormalizer
{
    /// <summary>Returns the normalised text.</summary>
    public static string Normalize(string text, bool lowerCase, bool stripAccents)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (Rune rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                builder.Append(' ');
            }
            else if (IsChineseCharacter(cp))
            {
                builder.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        string normalized = builder.ToString();
        if (stripAccents)
        {
            // "café" → "cafe": decompose, then drop the combining marks. Rust's tokenizer does exactly this (nfd, then
            // filter out Mn), so accented words map to the same pieces as in Python.
            string decomposed = normalized.Normalize(NormalizationForm.FormD);
            builder.Clear();
            foreach (char c in decomposed)
            {
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                {
                    builder.Append(c);
                }
            }

            normalized = builder.ToString();
        }

        return lowerCase ? normalized.ToLowerInvariant() : normalized;
    }

    /// <summary>Splits normalised text into words: whitespace separates, each punctuation character is a word of its own.</summary>
    public static void PreTokenize(string normalized, List<(int Start, int Length)> words)
    {
        words.Clear();
        int start = -1;
        int i = 0;
        while (i < normalized.Length)
        {
            Rune.DecodeFromUtf16(normalized.AsSpan(i), out Rune rune, out int consumed);
            if (Rune.IsWhiteSpace(rune))
            {
                Close(i);
            }
            else if (IsPunctuation(rune))
            {
                Close(i);
                words.Add((i, consumed));
            }
            else if (start < 0)
            {
                start = i;
            }

            i += consumed;
        }

        Close(normalized.Length);

        void Close(int end)
        {
            if (start >= 0)
            {
                words.Add((start, end - start));
                start = -1;
            }
        }
    }

    // Tab, line feed and carriage return are whitespace here, not control characters; every other C* category is.
    private static bool IsControl(Rune rune) =>
        rune.Value is not ('\t' or '\n' or '\r')
        && Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    private static bool IsWhitespace(Rune rune) => rune.Value is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(rune);

    // ASCII symbols such as $ + < = > ^ ` | ~ count as punctuation for BERT, as do all Unicode P* categories.
    private static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if (cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    // The CJK Unified Ideographs blocks BERT isolates (not Hiragana, Katakana or Hangul, which are written with spaces).
    private static bool IsChineseCharacter(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
