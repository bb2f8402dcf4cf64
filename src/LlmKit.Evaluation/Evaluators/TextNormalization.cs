using System.Globalization;
using System.Text;

namespace LlmKit.Evaluation.Evaluators;

/// <summary>What differences between two texts do not count.</summary>
[Flags]
public enum TextNormalization
{
    /// <summary>Texts must be equal character for character.</summary>
    None = 0,

    /// <summary>Letter case does not count (invariant culture).</summary>
    IgnoreCase = 1,

    /// <summary>Runs of white space count as one space, and leading and trailing space does not count.</summary>
    CollapseWhitespace = 2,

    /// <summary>Punctuation and symbols do not count (letters, digits and spaces remain).</summary>
    IgnorePunctuation = 4,

    /// <summary>Compatibility forms are folded (NFKC: "ﬁ" = "fi", full-width = ASCII) and accents are removed.</summary>
    FoldUnicode = 8,

    /// <summary>Everything above: what "normalised match" means by default.</summary>
    All = IgnoreCase | CollapseWhitespace | IgnorePunctuation | FoldUnicode,
}

/// <summary>Applies a <see cref="TextNormalization"/>.</summary>
public static class TextNormalizer
{
    /// <summary>Normalises <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="normalization">What does not count.</param>
    /// <returns>The normalised text.</returns>
    public static string Normalize(string text, TextNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (normalization == TextNormalization.None)
        {
            return text;
        }

        if (normalization.HasFlag(TextNormalization.FoldUnicode))
        {
            // Decompose, drop the combining marks (accents), then recompose compatibly.
            var decomposed = text.Normalize(NormalizationForm.FormKD);
            var withoutMarks = new StringBuilder(decomposed.Length);
            foreach (char c in decomposed)
            {
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                {
                    withoutMarks.Append(c);
                }
            }

            text = withoutMarks.ToString().Normalize(NormalizationForm.FormKC);
        }

        var builder = new StringBuilder(text.Length);
        bool collapse = normalization.HasFlag(TextNormalization.CollapseWhitespace);
        bool pendingSpace = false;
        foreach (char raw in text)
        {
            char c = normalization.HasFlag(TextNormalization.IgnoreCase) ? char.ToLowerInvariant(raw) : raw;
            if (normalization.HasFlag(TextNormalization.IgnorePunctuation) && (char.IsPunctuation(c) || char.IsSymbol(c)))
            {
                // Punctuation often separates words ("net-30"): it becomes a space when spaces collapse anyway.
                pendingSpace |= collapse;
                continue;
            }

            if (collapse && char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace && builder.Length > 0)
            {
                builder.Append(' ');
            }

            pendingSpace = false;
            builder.Append(c);
        }

        return builder.ToString();
    }
}
