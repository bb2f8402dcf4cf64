using System.Buffers;

namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// International bank account numbers: an IBAN country code, two check digits and the country's exact length,
/// written contiguously or in groups separated by single spaces, that pass ISO 13616's mod-97 check. A wrong check
/// digit, a wrong length or an unknown country is not a match.
/// </summary>
internal sealed class IbanDetector : PiiDetector
{
    internal const double Confidence = 0.9;
    private const int MaxLength = 34;

    // ISO 13616 registry lengths (SWIFT IBAN registry).
    private static readonly Dictionary<int, int> LengthByCountry = Build(
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 " +
        "FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 " +
        "LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 QA29 RO24 RS22 " +
        "RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30");

    private static readonly SearchValues<char> Upper = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ");

    public IbanDetector()
        : base("iban", PiiEntity.Iban)
    {
        ContextWords = ["iban", "account", "bank", "transfer", "wire", "sepa", "bic", "swift"];
    }

    public override void Detect(string text, List<PiiMatch> matches)
    {
        Span<char> iban = stackalloc char[MaxLength];
        int i = 0;
        while (i + 4 <= text.Length)
        {
            int next = text.AsSpan(i, text.Length - i - 3).IndexOfAny(Upper);
            if (next < 0)
            {
                return;
            }

            i += next;
            if (!Chars.IsUpper(text[i + 1]) || !Chars.IsDigit(text[i + 2]) || !Chars.IsDigit(text[i + 3]) || Chars.IsWordAt(text, i - 1) ||
                !LengthByCountry.TryGetValue(Key(text[i], text[i + 1]), out int length))
            {
                i++;
                continue;
            }

            int end = Read(text, i, iban[..length]);
            if (end > 0 && Checksums.IbanMod97(iban[..length]))
            {
                Add(matches, i, end - i, Confidence);
                i = end;
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>Reads exactly <paramref name="iban"/>.Length characters, allowing single spaces between them; 0 when they do not fit.</summary>
    private static int Read(string text, int start, Span<char> iban)
    {
        int count = 0;
        int i = start;
        while (count < iban.Length && i < text.Length)
        {
            char c = text[i];
            if (Chars.IsDigit(c) || Chars.IsUpper(c))
            {
                iban[count++] = c;
                i++;
            }
            else if (c == ' ' && count >= 4 && i + 1 < text.Length && (Chars.IsDigit(text[i + 1]) || Chars.IsUpper(text[i + 1])))
            {
                i++;
            }
            else
            {
                return 0;
            }
        }

        return count == iban.Length && !Chars.IsWordAt(text, i) ? i : 0;
    }

    private static int Key(char a, char b) => (a << 8) | b;

    private static Dictionary<int, int> Build(string registry)
    {
        var lengths = new Dictionary<int, int>();
        foreach (var entry in registry.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            lengths[Key(entry[0], entry[1])] = int.Parse(entry.AsSpan(2), provider: System.Globalization.CultureInfo.InvariantCulture);
        }

        return lengths;
    }
}
