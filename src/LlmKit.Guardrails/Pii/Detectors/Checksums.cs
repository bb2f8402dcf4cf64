namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>The check-digit algorithms the detectors validate with.</summary>
internal static class Checksums
{
    /// <summary>The Luhn (mod 10) check used by payment cards.</summary>
    public static bool Luhn(ReadOnlySpan<char> digits)
    {
        int sum = 0;
        bool doubled = false;
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            int d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    /// <summary>ISO 13616's mod-97 check: the first four characters moved to the end, letters as 10–35, remainder 1.</summary>
    public static bool IbanMod97(ReadOnlySpan<char> iban)
    {
        int remainder = 0;
        for (int i = 0; i < iban.Length; i++)
        {
            char c = iban[(i + 4) % iban.Length];
            if (Chars.IsDigit(c))
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else if (Chars.IsUpper(c))
            {
                remainder = ((remainder * 100) + (c - 'A' + 10)) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }

    /// <summary>Whether every character is the same (0000…, 1111…): valid checksums, never real numbers.</summary>
    public static bool AllSame(ReadOnlySpan<char> digits)
    {
        foreach (char c in digits)
        {
            if (c != digits[0])
            {
                return false;
            }
        }

        return true;
    }
}
