namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// A run of digits with single separators between groups (<c>4111 1111-1111</c>), read from a digit that does not
/// continue a word. Card, SSN and phone detectors read runs and then apply their own rules to the digits and groups.
/// </summary>
internal ref struct DigitRun
{
    public const int MaxDigits = 20;
    public const int MaxGroups = 8;

    private Span<char> _digits;
    private Span<byte> _groups;

    public DigitRun(Span<char> digitBuffer, Span<byte> groupBuffer)
    {
        _digits = digitBuffer;
        _groups = groupBuffer;
    }

    public int Start { get; private set; }

    public int End { get; private set; }

    public int DigitCount { get; private set; }

    public int GroupCount { get; private set; }

    /// <summary>The separators used, in the order met (at most one kind is usual).</summary>
    public char FirstSeparator { get; private set; }

    public bool MixedSeparators { get; private set; }

    /// <summary>More than <see cref="MaxDigits"/> digits or <see cref="MaxGroups"/> groups: never a match, but skipped whole.</summary>
    public bool Overflow { get; private set; }

    public readonly ReadOnlySpan<char> Digits => _digits[..DigitCount];

    public readonly int Group(int index) => _groups[index];

    /// <summary>Reads the run starting at <paramref name="start"/>, joining groups with any of <paramref name="separators"/>.</summary>
    public void Read(string text, int start, ReadOnlySpan<char> separators)
    {
        Start = start;
        DigitCount = 0;
        GroupCount = 0;
        FirstSeparator = '\0';
        MixedSeparators = false;
        Overflow = false;
        int i = start;
        int groupLength = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (Chars.IsDigit(c))
            {
                if (DigitCount < MaxDigits)
                {
                    _digits[DigitCount] = c;
                }
                else
                {
                    Overflow = true;
                }

                DigitCount++;
                groupLength++;
                i++;
                continue;
            }

            // A separator joins two groups only when a digit follows it directly.
            if (groupLength > 0 && separators.Contains(c) && i + 1 < text.Length && Chars.IsDigit(text[i + 1]))
            {
                EndGroup(groupLength);
                groupLength = 0;
                if (FirstSeparator == '\0')
                {
                    FirstSeparator = c;
                }
                else if (FirstSeparator != c)
                {
                    MixedSeparators = true;
                }

                i++;
                continue;
            }

            break;
        }

        EndGroup(groupLength);
        End = i;
    }

    private void EndGroup(int length)
    {
        if (length == 0)
        {
            return;
        }

        if (GroupCount < MaxGroups)
        {
            _groups[GroupCount] = (byte)Math.Min(length, 255);
        }
        else
        {
            Overflow = true;
        }

        GroupCount++;
    }
}
