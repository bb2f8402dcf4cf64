using System.Buffers;

namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// Phone numbers, with a plausibility check rather than a bare digit pattern:
/// <list type="bullet">
/// <item>international (<c>+</c> or <c>00</c>): an assigned ITU country calling code and a national number whose
/// length fits that country (E.164: at most 15 digits in all); +1 numbers also follow the North American rules;</item>
/// <item>North American: area code and exchange starting with 2–9 and not N11, grouped 3-3-4 (with or without
/// parentheses); ten contiguous digits need a context word;</item>
/// <item>national numbers with a trunk 0 (UK, Germany, France, …): 9 to 11 digits, which need a context word.</item>
/// </list>
/// Dates, times, IP addresses, card numbers and SSNs do not fit these shapes.
/// </summary>
internal sealed class PhoneDetector : PiiDetector
{
    internal const double InternationalConfidence = 0.75;
    internal const double NorthAmericanConfidence = 0.6;
    internal const double UnformattedConfidence = 0.35;
    internal const double NationalConfidence = 0.4;

    private const int MaxDigits = 15;
    private static readonly SearchValues<char> Starts = SearchValues.Create("+(0123456789");

    public PhoneDetector()
        : base("phone", PiiEntity.Phone)
    {
        ContextWords = ["phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "sms", "text me", "ring", "dial"];
    }

    public override void Detect(string text, List<PiiMatch> matches)
    {
        Span<char> digits = stackalloc char[MaxDigits + 1];
        Span<byte> groups = stackalloc byte[8];
        int i = 0;
        while (i < text.Length)
        {
            int next = text.AsSpan(i).IndexOfAny(Starts);
            if (next < 0)
            {
                return;
            }

            i += next;
            if (Chars.IsWordAt(text, i - 1) || (i > 0 && text[i - 1] is '.' or '-' or '/' or '+' or ':' && Chars.IsWordAt(text, i - 2)))
            {
                i = SkipWord(text, i + 1);
                continue;
            }

            int end = Read(text, i, digits, groups, out int count, out int groupCount, out bool plus);
            if (end > i && count <= MaxDigits && !Chars.IsWordAt(text, end) && Classify(digits[..count], groups[..Math.Min(groupCount, groups.Length)], plus) is > 0 and var confidence)
            {
                Add(matches, i, end - i, confidence);
            }

            i = SkipWord(text, Math.Max(end, i + 1));
        }
    }

    private static int SkipWord(string text, int i)
    {
        while (i < text.Length && Chars.IsWordAt(text, i))
        {
            i++;
        }

        return i;
    }

    /// <summary>Reads digits joined by spaces, hyphens, dots and parentheses (at most two separators in a row).</summary>
    private static int Read(string text, int start, Span<char> digits, Span<byte> groups, out int count, out int groupCount, out bool plus)
    {
        count = 0;
        groupCount = 0;
        int i = start;
        plus = text[i] == '+';
        if (plus)
        {
            i++;
        }

        int groupLength = 0;
        int lastDigitEnd = start;
        int open = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (Chars.IsDigit(c))
            {
                if (count == digits.Length)
                {
                    return start; // too long to be a phone number
                }

                digits[count++] = c;
                groupLength++;
                i++;
                lastDigitEnd = i;
                continue;
            }

            if (c is not (' ' or '-' or '.' or '(' or ')'))
            {
                break;
            }

            // Up to two separators (") " or " (") may join groups when a digit follows.
            int j = i;
            int depth = open;
            while (j < text.Length && j - i < 2 && text[j] is ' ' or '-' or '.' or '(' or ')')
            {
                depth += text[j] == '(' ? 1 : text[j] == ')' ? -1 : 0;
                j++;
            }

            if (j >= text.Length || !Chars.IsDigit(text[j]) || depth is < 0 or > 1 || (count == 0 && !plus && text[start] != '('))
            {
                break;
            }

            open = depth;
            if (groupLength > 0)
            {
                if (groupCount < groups.Length)
                {
                    groups[groupCount] = (byte)groupLength;
                }

                groupCount++;
            }

            groupLength = 0;
            i = j;
        }

        if (groupLength > 0)
        {
            if (groupCount < groups.Length)
            {
                groups[groupCount] = (byte)groupLength;
            }

            groupCount++;
        }

        return open == 0 ? lastDigitEnd : start;
    }

    internal static double Classify(ReadOnlySpan<char> d, ReadOnlySpan<byte> groups, bool plus)
    {
        if (plus || (d.Length >= 10 && d[0] == '0' && d[1] == '0'))
        {
            return IsPlausibleInternational(plus ? d : d[2..]) ? InternationalConfidence : 0;
        }

        if (d.Length == 11 && d[0] == '1' && IsNorthAmerican(d[1..]))
        {
            return groups is [1, 3, 3, 4] ? NorthAmericanConfidence : groups.Length == 1 ? UnformattedConfidence : 0;
        }

        if (d.Length == 10 && IsNorthAmerican(d))
        {
            return groups is [3, 3, 4] ? NorthAmericanConfidence : groups.Length == 1 ? UnformattedConfidence : 0;
        }

        if (d.Length is >= 9 and <= 11 && d[0] == '0' && d[1] != '0' && groups.Length <= 5)
        {
            return NationalConfidence;
        }

        return 0;
    }

    /// <summary>NANP: area code and exchange code each NXX with N in 2–9, neither of the form N11.</summary>
    internal static bool IsNorthAmerican(ReadOnlySpan<char> d) =>
        d.Length == 10 && d[0] >= '2' && d[3] >= '2' && !(d[1] == '1' && d[2] == '1') && !(d[4] == '1' && d[5] == '1');

    internal static bool IsPlausibleInternational(ReadOnlySpan<char> d)
    {
        if (d.Length is < 8 or > MaxDigits || d[0] == '0')
        {
            return false;
        }

        for (int length = 1; length <= 3; length++)
        {
            int code = int.Parse(d[..length], provider: System.Globalization.CultureInfo.InvariantCulture);
            if (!CountryCallingCodes.IsAssigned(code))
            {
                continue;
            }

            var national = d[length..];
            if (code == 1)
            {
                return IsNorthAmerican(national);
            }

            var (min, max) = CountryCallingCodes.NationalLength(code);
            return national.Length >= min && national.Length <= max;
        }

        return false;
    }
}
