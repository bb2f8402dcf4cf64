namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// The scan shared by detectors of grouped digit runs (cards, SSNs): find each run that starts a word, read it with
/// the detector's separators, let the detector judge it, then skip the rest of the word (an order id "A1234…").
/// </summary>
internal abstract class DigitRunDetector(string name, PiiEntity entity) : PiiDetector(name, entity)
{
    /// <summary>Gets the characters that may join groups of the run.</summary>
    protected abstract string Separators { get; }

    public sealed override void Detect(string text, List<PiiMatch> matches)
    {
        Span<char> digits = stackalloc char[DigitRun.MaxDigits];
        Span<byte> groups = stackalloc byte[DigitRun.MaxGroups];
        var run = new DigitRun(digits, groups);
        int i = 0;
        while (i < text.Length)
        {
            int next = text.AsSpan(i).IndexOfAny(Chars.Digits);
            if (next < 0)
            {
                return;
            }

            i += next;
            run.Read(text, i, Separators);
            if (!Chars.IsWordAt(text, i - 1) && !Chars.IsWordAt(text, run.End) && !run.Overflow && !run.MixedSeparators)
            {
                Judge(text, in run, matches);
            }

            i = run.End;
            while (i < text.Length && Chars.IsWordAt(text, i))
            {
                i++;
            }
        }
    }

    /// <summary>Adds a match for a run that starts and ends on word boundaries, when it is one.</summary>
    protected abstract void Judge(string text, in DigitRun run, List<PiiMatch> matches);
}
