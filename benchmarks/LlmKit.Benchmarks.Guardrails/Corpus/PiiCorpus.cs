using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LlmKit.Benchmarks.Guardrails.Corpus;

/// <summary>One labelled text: its entities as character spans.</summary>
public sealed record LabelledText(string Text, List<LabelledSpan> Entities);

/// <summary>A labelled entity: LlmKit's entity name and the span [Start, End).</summary>
public sealed record LabelledSpan(string Type, int Start, int End);

/// <summary>
/// A synthetic, labelled PII corpus from a fixed seed: sentences in the style of support tickets, chats, logs and
/// forms, with real-format values (valid Luhn, mod-97 and SSA ranges, plausible phone plans) and the near misses that
/// trip detectors (Luhn-failing cards, IBANs with a wrong check digit, SSNs in never-issued ranges, dates, versions,
/// order numbers, file names, hashes). Every value is invented; the same seed always writes the same file.
/// </summary>
public static class PiiCorpus
{
    public const int DefaultSeed = 20261205;

    private static readonly string[] First = ["ann", "bob", "carla", "dmitri", "eve", "farah", "gus", "hana", "ivan", "jo", "kemal", "lena", "miguel", "noor", "olu", "priya"];
    private static readonly string[] Last = ["smith", "jones", "garcia", "nguyen", "okafor", "muller", "rossi", "kowalski", "tanaka", "silva", "haddad", "novak"];
    private static readonly string[] Domains = ["example.com", "mail.example.org", "contoso.co.uk", "fabrikam.io", "northwind.de", "adatum.fr", "tailspin.net", "wingtip.com.au"];
    private static readonly string[] Paths = ["orders/4471", "help/returns", "account/settings", "docs/api", "blog/2024/launch", "invoice?id=88213&lang=en", "track?ref=ZX81"];

    public static List<LabelledText> Generate(int count, int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var texts = new List<LabelledText>(count);
        var templates = Templates();
        for (int i = 0; i < count; i++)
        {
            texts.Add(templates[random.Next(templates.Length)](random));
        }

        return texts;
    }

    public static void Write(string path, IEnumerable<LabelledText> texts)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        foreach (var text in texts)
        {
            writer.WriteLine(JsonSerializer.Serialize(new
            {
                text = text.Text,
                entities = text.Entities.Select(e => new { type = e.Type, start = e.Start, end = e.End }),
            }));
        }
    }

    public static List<LabelledText> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            return new LabelledText(
                root.GetProperty("text").GetString()!,
                root.GetProperty("entities").EnumerateArray().Select(e => new LabelledSpan(e.GetProperty("type").GetString()!, e.GetProperty("start").GetInt32(), e.GetProperty("end").GetInt32())).ToList());
        }).ToList();

    /// <summary>Builds a text from literal pieces and labelled values.</summary>
    private sealed class Builder
    {
        private readonly StringBuilder _text = new();
        private readonly List<LabelledSpan> _spans = [];

        public Builder T(string literal)
        {
            _text.Append(literal);
            return this;
        }

        public Builder E(string type, string value)
        {
            _spans.Add(new LabelledSpan(type, _text.Length, _text.Length + value.Length));
            _text.Append(value);
            return this;
        }

        public LabelledText Done() => new(_text.ToString(), _spans);
    }

    private static Func<Random, LabelledText>[] Templates() =>
    [
        r => new Builder().T("Hi, I'm ").T(Cap(Pick(r, First))).T(", you can reach me at ").E("EMAIL", Email(r)).T(" if anything changes.").Done(),
        r => new Builder().T("Please refund my card ").E("CREDIT_CARD", Card(r, grouped: r.Next(2) == 0)).T(" for order #").T(Digits(r, 7)).T(".").Done(),
        r => new Builder().T("Call me on ").E("PHONE", InternationalPhone(r)).T(" after 5pm, or email ").E("EMAIL", Email(r)).T(".").Done(),
        r => new Builder().T("Wire the deposit to IBAN ").E("IBAN", Iban(r, spaced: r.Next(2) == 0)).T(" by Friday, reference INV-").T(Digits(r, 5)).T(".").Done(),
        r => new Builder().T("My SSN is ").E("US_SSN", Ssn(r, "-")).T(" and my date of birth is 19").T(Digits(r, 2)).T("-0").T(r.Next(1, 10).ToString(CultureInfo.InvariantCulture)).T("-1").T(r.Next(0, 10).ToString(CultureInfo.InvariantCulture)).T(".").Done(),
        r => new Builder().T("Social security number: ").E("US_SSN", Ssn(r, r.Next(2) == 0 ? " " : "")).T(" (verified)").Done(),
        r => new Builder().T("Login from ").E("IP_ADDRESS", Ipv4(r)).T(" at 2024-0").T(r.Next(1, 10).ToString(CultureInfo.InvariantCulture)).T("-1").T(r.Next(0, 10).ToString(CultureInfo.InvariantCulture)).T(" 10:4").T(r.Next(0, 10).ToString(CultureInfo.InvariantCulture)).T(" blocked.").Done(),
        r => new Builder().T("Peer ").E("IP_ADDRESS", Ipv6(r)).T(" dropped the connection.").Done(),
        r => new Builder().T("See ").E("URL", $"https://{Pick(r, Domains)}/{Pick(r, Paths)}").T(" for details.").Done(),
        r => new Builder().T("Our new site is ").E("URL", $"www.{Pick(r, Domains)}").T(" and the old one redirects.").Done(),
        r => new Builder().T("export OPENAI_API_KEY=").E("SECRET", "sk-proj-" + Base64(r, 40)).T("\nexport REGION=eu-west-1").Done(),
        r => new Builder().T("aws_access_key_id = ").E("SECRET", "AKIA" + Upper(r, 16)).T("\naws_region = us-east-1").Done(),
        r => new Builder().T("Use token ").E("SECRET", "ghp_" + Alnum(r, 36)).T(" for the CI job.").Done(),
        r => new Builder().T("Authorization: Bearer ").E("SECRET", Jwt(r)).Done(),
        r => new Builder().T("api_key: ").E("SECRET", Base64(r, 32)).Done(),
        r => new Builder().T("Office: ").E("PHONE", NorthAmericanPhone(r)).T(" (ask for ").T(Cap(Pick(r, First))).T(").").Done(),
        r => new Builder().T("phone ").E("PHONE", UkNationalPhone(r)).T(", mobile preferred").Done(),
        r => new Builder().T("Contact ").E("EMAIL", Email(r)).T(" or ").E("PHONE", InternationalPhone(r)).T("; card on file ").E("CREDIT_CARD", Card(r, grouped: true)).T(".").Done(),

        // Near misses: nothing here is personal data, though a careless detector would say so.
        r => new Builder().T("The card number ").T(CardFailingLuhn(r)).T(" was rejected as invalid.").Done(),
        r => new Builder().T("IBAN ").T(IbanWrongCheck(r)).T(" failed validation, please re-check.").Done(),
        r => new Builder().T("SSN ").T(InvalidSsn(r)).T(" is not a valid number.").Done(),
        r => new Builder().T("Order ").T(Digits(r, 10)).T(" shipped on 2024-").T(r.Next(10, 13).ToString(CultureInfo.InvariantCulture)).T("-2").T(r.Next(0, 9).ToString(CultureInfo.InvariantCulture)).T(" via tracking ").T(Digits(r, 16)).T(".").Done(),
        r => new Builder().T("Upgrade to version ").T($"{r.Next(1, 20)}.{r.Next(0, 40)}.{r.Next(0, 400)}").T(" and rerun setup.py; see README.md.").Done(),
        r => new Builder().T("Reference ").T(Digits(r, 9)).T(" was closed; ticket total $").T(r.Next(10, 999).ToString(CultureInfo.InvariantCulture)).T(".").T(Digits(r, 2)).T(".").Done(),
        r => new Builder().T("Commit ").T(Hex(r, 40)).T(" fixed the build on ASP.NET and Node.js.").Done(),
        r => new Builder().T("Request id ").T(Guid(r)).T(" took ").T(r.Next(1, 900).ToString(CultureInfo.InvariantCulture)).T(" ms at 12:").T(r.Next(10, 60).ToString(CultureInfo.InvariantCulture)).T(":0").T(r.Next(0, 10).ToString(CultureInfo.InvariantCulture)).T(".").Done(),
        r => new Builder().T("Room ").T(r.Next(100, 999).ToString(CultureInfo.InvariantCulture)).T(", extension ").T(Digits(r, 4)).T(", ZIP ").T(Digits(r, 5)).T(", PO box ").T(Digits(r, 6)).T(".").Done(),
        r => new Builder().T("The ratio was ").T($"{r.Next(1, 9)}/{r.Next(1, 9)}/{r.Next(1, 9)}").T(" and the score 3.14159 out of ").T(Digits(r, 3)).T(".").Done(),
    ];

    private static string Pick(Random r, string[] values) => values[r.Next(values.Length)];

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private static string Digits(Random r, int n)
    {
        var chars = new char[n];
        chars[0] = (char)('1' + r.Next(9));
        for (int i = 1; i < n; i++)
        {
            chars[i] = (char)('0' + r.Next(10));
        }

        return new string(chars);
    }

    private static string FromAlphabet(Random r, string alphabet, int n) => new(Enumerable.Range(0, n).Select(_ => alphabet[r.Next(alphabet.Length)]).ToArray());

    private static string Upper(Random r, int n) => FromAlphabet(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", n);

    private static string Alnum(Random r, int n) => FromAlphabet(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n);

    private static string Base64(Random r, int n) => FromAlphabet(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", n);

    private static string Hex(Random r, int n) => FromAlphabet(r, "0123456789abcdef", n);

    private static string Guid(Random r) => $"{Hex(r, 8)}-{Hex(r, 4)}-4{Hex(r, 3)}-a{Hex(r, 3)}-{Hex(r, 12)}";

    private static string Jwt(Random r) => "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJ" + Base64(r, 40) + "." + Base64(r, 43);

    private static string Email(Random r)
    {
        string local = r.Next(4) switch
        {
            0 => $"{Pick(r, First)}.{Pick(r, Last)}",
            1 => $"{Pick(r, First)}_{Pick(r, Last)}{r.Next(1, 99)}",
            2 => $"{Pick(r, First)[0]}{Pick(r, Last)}+{(r.Next(2) == 0 ? "news" : "orders")}",
            _ => Pick(r, First),
        };
        return $"{local}@{Pick(r, Domains)}";
    }

    /// <summary>Appends the check digit that makes the number pass the Luhn check (LlmKit's own check decides).</summary>
    private static string Luhnify(string withoutCheck)
    {
        for (char check = '0'; ; check++)
        {
            if (LlmKit.Guardrails.Pii.Detectors.Checksums.Luhn(withoutCheck + check))
            {
                return withoutCheck + check;
            }
        }
    }

    private static string CardDigits(Random r)
    {
        (string Prefix, int Length) scheme = r.Next(5) switch
        {
            0 => ("4", 16),
            1 => ("5" + r.Next(1, 6).ToString(CultureInfo.InvariantCulture), 16),
            2 => (r.Next(2) == 0 ? "34" : "37", 15),
            3 => ("6011", 16),
            _ => ("4", 16),
        };
        string body = scheme.Prefix + new string(Enumerable.Range(0, scheme.Length - scheme.Prefix.Length - 1).Select(_ => (char)('0' + r.Next(10))).ToArray());
        return Luhnify(body);
    }

    private static string Card(Random r, bool grouped)
    {
        string digits = CardDigits(r);
        if (!grouped)
        {
            return digits;
        }

        char separator = r.Next(2) == 0 ? ' ' : '-';
        return digits.Length == 15
            ? $"{digits[..4]}{separator}{digits[4..10]}{separator}{digits[10..]}"
            : string.Join(separator, Enumerable.Range(0, 4).Select(i => digits.Substring(i * 4, 4)));
    }

    private static string CardFailingLuhn(Random r)
    {
        string valid = CardDigits(r);
        char last = (char)('0' + ((valid[^1] - '0' + 1 + r.Next(8)) % 10));
        string digits = valid[..^1] + last;
        return digits.Length == 16 ? string.Join(' ', Enumerable.Range(0, 4).Select(i => digits.Substring(i * 4, 4))) : digits;
    }

    private static readonly (string Country, string BbanPattern)[] IbanCountries =
    [
        ("DE", "nnnnnnnnnnnnnnnnnn"), ("GB", "AAAAnnnnnnnnnnnnnn"), ("FR", "nnnnnnnnnnnnnnnnnnnnnnn"), ("NL", "AAAAnnnnnnnnnn"),
        ("ES", "nnnnnnnnnnnnnnnnnnnn"), ("IT", "Annnnnnnnnnnnnnnnnnnnnn"), ("CH", "nnnnnnnnnnnnnnnnn"), ("BE", "nnnnnnnnnnnn"),
    ];

    private static string IbanDigits(Random r, bool correct)
    {
        var (country, pattern) = IbanCountries[r.Next(IbanCountries.Length)];
        string bban = new(pattern.Select(c => c == 'A' ? (char)('A' + r.Next(26)) : (char)('0' + r.Next(10))).ToArray());
        string rearranged = bban + country + "00";
        int remainder = 0;
        foreach (char c in rearranged)
        {
            remainder = char.IsDigit(c) ? ((remainder * 10) + (c - '0')) % 97 : ((remainder * 100) + (c - 'A' + 10)) % 97;
        }

        int check = 98 - remainder;
        if (!correct)
        {
            check = ((check + 1 + r.Next(90)) % 97) + 2; // any other two-digit check value
            if (check == 98 - remainder)
            {
                check = check == 97 ? 2 : check + 1;
            }
        }

        return country + check.ToString("00", CultureInfo.InvariantCulture) + bban;
    }

    private static string Iban(Random r, bool spaced)
    {
        string iban = IbanDigits(r, correct: true);
        return spaced ? string.Join(' ', iban.Chunk(4).Select(c => new string(c))) : iban;
    }

    private static string IbanWrongCheck(Random r) => string.Join(' ', IbanDigits(r, correct: false).Chunk(4).Select(c => new string(c)));

    private static string Ssn(Random r, string separator)
    {
        int area;
        do
        {
            area = r.Next(1, 900);
        }
        while (area == 666);

        return $"{area:000}{separator}{r.Next(1, 100):00}{separator}{r.Next(1, 10000):0000}";
    }

    private static string InvalidSsn(Random r) => r.Next(5) switch
    {
        0 => $"000-{r.Next(1, 100):00}-{r.Next(1, 10000):0000}",
        1 => $"666-{r.Next(1, 100):00}-{r.Next(1, 10000):0000}",
        2 => $"9{r.Next(0, 100):00}-{r.Next(1, 100):00}-{r.Next(1, 10000):0000}",
        3 => $"{r.Next(1, 666):000}-00-{r.Next(1, 10000):0000}",
        _ => $"{r.Next(1, 666):000}-{r.Next(1, 100):00}-0000",
    };

    private static string Ipv4(Random r) => $"{r.Next(1, 224)}.{r.Next(0, 256)}.{r.Next(0, 256)}.{r.Next(1, 255)}";

    private static string Ipv6(Random r) => r.Next(2) == 0
        ? string.Join(':', Enumerable.Range(0, 8).Select(_ => Hex(r, 4).TrimStart('0').PadLeft(1, '0')))
        : $"2001:db8:{Hex(r, 4)}::{Hex(r, 3)}:{Hex(r, 4)}";

    private static string NorthAmericanPhone(Random r)
    {
        string area = $"{r.Next(2, 10)}{r.Next(0, 10)}{r.Next(2, 10)}";
        string exchange = $"{r.Next(2, 10)}{r.Next(0, 10)}{r.Next(2, 10)}";
        string line = r.Next(0, 10000).ToString("0000", CultureInfo.InvariantCulture);
        return r.Next(3) switch
        {
            0 => $"({area}) {exchange}-{line}",
            1 => $"{area}-{exchange}-{line}",
            _ => $"{area}.{exchange}.{line}",
        };
    }

    private static string InternationalPhone(Random r) => r.Next(8) switch
    {
        0 => $"+1 {NorthAmericanPhone(r)}",
        1 => $"+44 20 {Digits(r, 4)} {r.Next(0, 10000):0000}",
        2 => $"+44 7{r.Next(100, 1000)} {r.Next(100000, 1000000)}",
        3 => $"+49 30 {Digits(r, 8)}",
        4 => $"+33 {r.Next(1, 10)} {r.Next(10, 100)} {r.Next(10, 100)} {r.Next(10, 100)} {r.Next(10, 100)}",
        5 => $"+91 {r.Next(70000, 100000)} {r.Next(10000, 100000)}",
        6 => $"+61 {r.Next(2, 5)} {Digits(r, 4)} {r.Next(0, 10000):0000}",
        _ => $"+81 3-{Digits(r, 4)}-{r.Next(0, 10000):0000}",
    };

    private static string UkNationalPhone(Random r) => r.Next(2) == 0 ? $"020 {Digits(r, 4)} {r.Next(0, 10000):0000}" : $"07{r.Next(100, 1000)} {r.Next(100000, 1000000)}";
}
