namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// US social security numbers: <c>AAA-GG-SSSS</c>, the same with spaces, or nine contiguous digits. Numbers the SSA
/// never issues are not matches: area 000, 666 or 900–999, group 00, serial 0000, one repeated digit, and the
/// well-known advertising and example numbers (078-05-1120, 219-09-9999, 123-45-6789). Only the hyphenated form is
/// confident on its own; the others need a context word such as "SSN".
/// </summary>
internal sealed class UsSsnDetector : DigitRunDetector
{
    internal const double HyphenatedConfidence = 0.6;
    internal const double SpacedConfidence = 0.4;
    internal const double PlainConfidence = 0.3;

    public UsSsnDetector()
        : base("us-ssn", PiiEntity.UsSsn)
    {
        ContextWords = ["ssn", "social security", "social-security", "ss#", "ssn#", "taxpayer", "tin"];
    }

    protected override string Separators => " -";

    protected override void Judge(string text, in DigitRun run, List<PiiMatch> matches)
    {
        // Not part of a longer hyphenated or dotted code (A-536-90-4399, 536-90-4399-7).
        bool standalone = !(run.Start > 0 && text[run.Start - 1] is '-' or '.' or '+' or '/') &&
                          !(run.End < text.Length && text[run.End] is '-' or '/' && Chars.IsWordAt(text, run.End + 1));
        if (!standalone || run.DigitCount != 9 || !IsIssuable(run.Digits))
        {
            return;
        }

        double confidence = run.GroupCount switch
        {
            1 => PlainConfidence,
            3 when run.Group(0) == 3 && run.Group(1) == 2 => run.FirstSeparator == '-' ? HyphenatedConfidence : SpacedConfidence,
            _ => 0,
        };
        if (confidence > 0)
        {
            Add(matches, run.Start, run.End - run.Start, confidence);
        }
    }

    /// <summary>The SSA's rules for numbers that are never issued.</summary>
    internal static bool IsIssuable(ReadOnlySpan<char> d)
    {
        int area = ((d[0] - '0') * 100) + ((d[1] - '0') * 10) + (d[2] - '0');
        if (area is 0 or 666 or >= 900 || d[3..5] is "00" || d[5..9] is "0000" || Checksums.AllSame(d))
        {
            return false;
        }

        return d is not ("078051120" or "219099999" or "123456789");
    }
}
