using System.Buffers;

namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// Credentials: the key and token formats of common providers (OpenAI, Anthropic, AWS, GitHub, GitLab, Slack, Stripe,
/// Google, Hugging Face, npm, SendGrid), JSON Web Tokens, PEM private keys, and other high-entropy tokens. A known
/// format is confident on its own; an unknown token is judged by its length and Shannon entropy, and unless it looks
/// like random base64 it needs a context word such as "key", "token" or "password".
/// </summary>
internal sealed class SecretDetector : PiiDetector
{
    internal const double KnownFormatConfidence = 0.95;
    internal const double RandomTokenConfidence = 0.55;
    internal const double WeakTokenConfidence = 0.3;

    private const int MinTokenLength = 20;

    // Token characters: base64, base64url, and the separators that key formats use.
    private static readonly SearchValues<char> TokenChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.~");

    // (prefix, the fewest characters after it). Checked in order, so longer prefixes of one family come first.
    private static readonly (string Prefix, int MinRest, bool UpperAlnumOnly)[] Known =
    [
        ("sk-ant-", 32, false), ("sk-proj-", 20, false), ("sk-svcacct-", 20, false), ("sk-admin-", 20, false), ("sk-", 20, false),
        ("sk_live_", 16, false), ("rk_live_", 16, false), ("sk_test_", 16, false), ("rk_test_", 16, false), ("whsec_", 24, false),
        ("github_pat_", 22, false), ("ghp_", 30, false), ("gho_", 30, false), ("ghu_", 30, false), ("ghs_", 30, false), ("ghr_", 30, false),
        ("glpat-", 20, false), ("xoxb-", 10, false), ("xoxp-", 10, false), ("xoxa-", 10, false), ("xoxr-", 10, false), ("xoxs-", 10, false),
        ("xoxe-", 10, false), ("AKIA", 16, true), ("ASIA", 16, true), ("AGPA", 16, true), ("AIDA", 16, true), ("AROA", 16, true),
        ("AIza", 35, false), ("hf_", 30, false), ("npm_", 36, false), ("SG.", 60, false), ("AccountKey=", 40, false), ("SharedAccessKey=", 40, false),
    ];

    public SecretDetector()
        : base("secret", PiiEntity.Secret)
    {
        ContextWords = ["key", "token", "secret", "password", "passwd", "pwd", "api", "bearer", "authorization", "credential", "auth", "private"];
    }

    public override void Detect(string text, List<PiiMatch> matches)
    {
        DetectPrivateKeys(text, matches);
        int i = 0;
        while (i < text.Length)
        {
            int next = text.AsSpan(i).IndexOfAny(TokenChars);
            if (next < 0)
            {
                return;
            }

            i += next;
            int length = text.AsSpan(i).IndexOfAnyExcept(TokenChars);
            int end = length < 0 ? text.Length : i + length;
            while (end > i && text[end - 1] == '.')
            {
                end--; // a full stop, not part of the token
            }

            if (end - i >= MinTokenLength)
            {
                Classify(text, i, end, matches);
            }

            i = Math.Max(end, i + 1);
            while (i < text.Length && TokenChars.Contains(text[i]))
            {
                i++;
            }
        }
    }

    private void Classify(string text, int start, int end, List<PiiMatch> matches)
    {
        if (ClassifyKnown(text, start, end, matches))
        {
            return;
        }

        // NAME=value: the value is the secret. Base64 padding ('=' at the very end) is not a separator.
        var whole = text.AsSpan(start, end - start);
        int separator = whole.TrimEnd('=').LastIndexOf('=');
        if (separator >= 0 && end - (start + separator + 1) >= MinTokenLength)
        {
            start += separator + 1;
            if (ClassifyKnown(text, start, end, matches))
            {
                return;
            }
        }

        var token = text.AsSpan(start, end - start);
        if (!HasLetterAndDigit(token))
        {
            return;
        }

        double entropy = Entropy(token);
        if (token.Length >= 24 && entropy >= 4.3)
        {
            Add(matches, start, end - start, RandomTokenConfidence);
        }
        else if (entropy >= 3.2)
        {
            Add(matches, start, end - start, WeakTokenConfidence);
        }
    }

    private bool ClassifyKnown(string text, int start, int end, List<PiiMatch> matches)
    {
        var token = text.AsSpan(start, end - start);
        foreach (var (prefix, minRest, upperOnly) in Known)
        {
            if (token.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = token[prefix.Length..];
                // AWS ids are exactly 16 upper-case base32 characters; the other formats must not be plain words.
                if (rest.Length >= minRest && (upperOnly ? rest.Length == minRest && IsUpperAlnum(rest) : HasDigitOrMixedCase(rest)))
                {
                    Add(matches, start, end - start, KnownFormatConfidence);
                    return true;
                }
            }
        }

        if (IsJwt(token))
        {
            Add(matches, start, end - start, KnownFormatConfidence);
            return true;
        }

        return false;
    }

    private void DetectPrivateKeys(string text, List<PiiMatch> matches)
    {
        int from = 0;
        while (from < text.Length)
        {
            int begin = text.IndexOf("-----BEGIN ", from, StringComparison.Ordinal);
            if (begin < 0)
            {
                return;
            }

            int headerEnd = text.IndexOf("-----", begin + 11, StringComparison.Ordinal);
            from = begin + 11;
            if (headerEnd < 0 || headerEnd - begin > 80 || !text.AsSpan(begin, headerEnd - begin).EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                continue;
            }

            int footer = text.IndexOf("-----END ", headerEnd + 5, StringComparison.Ordinal);
            int footerEnd = footer < 0 ? -1 : text.IndexOf("-----", footer + 9, StringComparison.Ordinal);
            int end = footerEnd < 0 ? text.Length : footerEnd + 5; // an unterminated key is redacted to the end
            Add(matches, begin, end - begin, KnownFormatConfidence);
            from = end;
        }
    }

    private static bool IsJwt(ReadOnlySpan<char> token)
    {
        if (!token.StartsWith("eyJ", StringComparison.Ordinal))
        {
            return false;
        }

        int first = token.IndexOf('.');
        if (first < 10)
        {
            return false;
        }

        var rest = token[(first + 1)..];
        int second = rest.IndexOf('.');
        return second >= 10 && rest.StartsWith("eyJ", StringComparison.Ordinal) && rest[(second + 1)..].IndexOf('.') < 0;
    }

    private static bool IsUpperAlnum(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!Chars.IsUpper(c) && !Chars.IsDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasDigitOrMixedCase(ReadOnlySpan<char> s) => s.IndexOfAnyInRange('0', '9') >= 0 || (s.IndexOfAnyInRange('a', 'z') >= 0 && s.IndexOfAnyInRange('A', 'Z') >= 0);

    private static bool HasLetterAndDigit(ReadOnlySpan<char> s) =>
        s.IndexOfAnyInRange('0', '9') >= 0 && (s.IndexOfAnyInRange('a', 'z') >= 0 || s.IndexOfAnyInRange('A', 'Z') >= 0);

    /// <summary>Shannon entropy in bits per character: about 6 for random base64, 4 for random hex, under 3.5 for words.</summary>
    internal static double Entropy(ReadOnlySpan<char> s)
    {
        Span<int> counts = stackalloc int[128];
        counts.Clear();
        foreach (char c in s)
        {
            counts[c & 0x7F]++;
        }

        double entropy = 0;
        foreach (int count in counts)
        {
            if (count > 0)
            {
                double p = (double)count / s.Length;
                entropy -= p * Math.Log2(p);
            }
        }

        return entropy;
    }
}
