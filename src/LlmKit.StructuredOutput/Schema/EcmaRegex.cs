using System.Text;
using System.Text.RegularExpressions;

namespace LlmKit.Schema;

/// <summary>
/// Translates the ECMA-262 regular expressions JSON Schema uses into .NET syntax where the two differ in ways that
/// matter: <c>\d</c> and <c>\w</c> are ASCII-only in ECMA-262 but Unicode-aware in .NET, and ECMA-262 spells Unicode
/// categories by long name (<c>\p{Letter}</c>) where .NET only knows the short one (<c>\p{L}</c>).
/// </summary>
internal static class EcmaRegex
{
    private static readonly Dictionary<string, string> Categories = new(StringComparer.Ordinal)
    {
        ["Letter"] = "L", ["Cased_Letter"] = "L", ["Uppercase_Letter"] = "Lu", ["Lowercase_Letter"] = "Ll",
        ["Titlecase_Letter"] = "Lt", ["Modifier_Letter"] = "Lm", ["Other_Letter"] = "Lo",
        ["Mark"] = "M", ["Nonspacing_Mark"] = "Mn", ["Spacing_Mark"] = "Mc", ["Enclosing_Mark"] = "Me",
        ["Number"] = "N", ["Decimal_Number"] = "Nd", ["digit"] = "Nd", ["Letter_Number"] = "Nl", ["Other_Number"] = "No",
        ["Punctuation"] = "P", ["punct"] = "P", ["Connector_Punctuation"] = "Pc", ["Dash_Punctuation"] = "Pd",
        ["Open_Punctuation"] = "Ps", ["Close_Punctuation"] = "Pe", ["Initial_Punctuation"] = "Pi",
        ["Final_Punctuation"] = "Pf", ["Other_Punctuation"] = "Po",
        ["Symbol"] = "S", ["Math_Symbol"] = "Sm", ["Currency_Symbol"] = "Sc", ["Modifier_Symbol"] = "Sk", ["Other_Symbol"] = "So",
        ["Separator"] = "Z", ["Space_Separator"] = "Zs", ["Line_Separator"] = "Zl", ["Paragraph_Separator"] = "Zp",
        ["Other"] = "C", ["Control"] = "Cc", ["cntrl"] = "Cc", ["Format"] = "Cf", ["Surrogate"] = "Cs",
        ["Private_Use"] = "Co", ["Unassigned"] = "Cn",
    };

    /// <summary>
    /// Compiles a pattern. <see cref="RegexOptions.NonBacktracking"/> first: it matches in time linear in the input, so
    /// a catastrophic pattern such as <c>^(a+)+$</c> cannot cost a full timeout per string, and for <c>IsMatch</c> it
    /// accepts exactly the strings the backtracking engine accepts. It refuses backreferences, lookarounds, atomic
    /// groups and conditionals (NotSupportedException); those patterns fall back to the backtracking engine, bounded by
    /// the timeout per match and the validation budget per document.
    /// </summary>
    public static Regex Create(string pattern, TimeSpan timeout)
    {
        string translated = Translate(pattern);
        try
        {
            return new Regex(translated, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, timeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(translated, RegexOptions.CultureInvariant, timeout);
        }
    }

    private static string Translate(string pattern)
    {
        if (!pattern.Contains('\\', StringComparison.Ordinal))
        {
            return pattern;
        }

        var builder = new StringBuilder(pattern.Length + 16);
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                char next = pattern[i + 1];
                switch (next)
                {
                    case 'd':
                        builder.Append(inClass ? "0-9" : "[0-9]");
                        i++;
                        continue;
                    case 'w':
                        builder.Append(inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]");
                        i++;
                        continue;
                    case 'p' or 'P' when i + 2 < pattern.Length && pattern[i + 2] == '{':
                        int close = pattern.IndexOf('}', i + 3);
                        if (close > 0 && Categories.TryGetValue(pattern[(i + 3)..close], out string? shortName))
                        {
                            builder.Append('\\').Append(next).Append('{').Append(shortName).Append('}');
                            i = close;
                            continue;
                        }

                        break;
                }

                builder.Append(c).Append(next);
                i++;
                continue;
            }

            if (c == '[' && !inClass)
            {
                inClass = true;
            }
            else if (c == ']' && inClass)
            {
                inClass = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
