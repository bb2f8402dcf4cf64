namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// Payment card numbers: 13 to 19 digits, contiguous or grouped with single spaces or hyphens, that pass the Luhn check
/// and are not one repeated digit. A number whose issuer prefix and length match a card scheme (Visa, Mastercard,
/// American Express, Discover, JCB, Diners, UnionPay, Maestro) is confident on its own; any other Luhn-valid number
/// (one in ten random numbers is) needs a context word such as "card".
/// </summary>
internal sealed class CreditCardDetector : DigitRunDetector
{
    internal const double SchemeConfidence = 0.85;
    internal const double LuhnOnlyConfidence = 0.4;

    public CreditCardDetector()
        : base("credit-card", PiiEntity.CreditCard)
    {
        ContextWords = ["card", "credit", "debit", "visa", "mastercard", "amex", "american express", "discover", "cc", "pan", "payment"];
    }

    protected override string Separators => " -";

    protected override void Judge(string text, in DigitRun run, List<PiiMatch> matches)
    {
        if (!(run.Start > 0 && text[run.Start - 1] is '-' or '.' or '+') && run.DigitCount is >= 13 and <= 19 &&
            Checksums.Luhn(run.Digits) && !Checksums.AllSame(run.Digits))
        {
            Add(matches, run.Start, run.End - run.Start, MatchesScheme(run.Digits) ? SchemeConfidence : LuhnOnlyConfidence);
        }
    }

    /// <summary>Issuer identification number ranges and lengths of the common schemes.</summary>
    internal static bool MatchesScheme(ReadOnlySpan<char> d)
    {
        int length = d.Length;
        int p2 = ((d[0] - '0') * 10) + (d[1] - '0');
        int p3 = (p2 * 10) + (d[2] - '0');
        int p4 = (p3 * 10) + (d[3] - '0');
        return d[0] switch
        {
            '4' => length is 13 or 16 or 19,                                                         // Visa
            '5' => (p2 is >= 51 and <= 55 && length == 16) || (p2 is 50 or >= 56 && length >= 12),  // Mastercard, Maestro
            '2' => p4 is >= 2221 and <= 2720 && length == 16,                                       // Mastercard 2-series
            '3' => (p2 is 34 or 37 && length == 15) ||                                              // American Express
                   (p4 is >= 3528 and <= 3589 && length >= 16) ||                                   // JCB
                   ((p3 is >= 300 and <= 305 || p2 is 36 or 38 or 39) && length >= 14),             // Diners Club
            '6' => (p4 == 6011 || p2 == 65 || p3 is >= 644 and <= 649) && length >= 16 ||           // Discover
                   (p2 == 62 && length >= 16) ||                                                    // UnionPay
                   length >= 12,                                                                    // Maestro
            _ => false,
        };
    }
}
