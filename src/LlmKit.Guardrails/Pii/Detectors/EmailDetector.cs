namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// E-mail addresses: scans from each <c>@</c> outwards, so text without one costs a vectorised search. The local part
/// uses RFC 5322's unquoted characters (at most 64, no leading, trailing or doubled dot); the domain needs two or more
/// labels of letters, digits and hyphens and an alphabetic top-level label of two or more letters.
/// </summary>
internal sealed class EmailDetector : PiiDetector
{
    private const int MaxLocal = 64;
    private const int MaxDomain = 253;

    public EmailDetector()
        : base("email", PiiEntity.Email)
    {
        ContextWords = ["email", "e-mail", "mail", "contact", "address"];
    }

    public override void Detect(string text, List<PiiMatch> matches)
    {
        int from = 0;
        while (from < text.Length)
        {
            int at = text.IndexOf('@', from);
            if (at < 0)
            {
                return;
            }

            from = at + 1;
            int start = at;
            while (start > 0 && at - start < MaxLocal && IsLocal(text[start - 1]))
            {
                start--;
            }

            if (start > 0 && IsLocal(text[start - 1]))
            {
                continue; // local part longer than allowed
            }

            while (start < at && text[start] == '.')
            {
                start++;
            }

            if (start == at || text[at - 1] == '.' || text.AsSpan(start, at - start).Contains("..", StringComparison.Ordinal))
            {
                continue;
            }

            int end = at + 1;
            while (end < text.Length && end - at <= MaxDomain && (Chars.IsAsciiLetterOrDigit(text[end]) || text[end] is '.' or '-'))
            {
                end++;
            }

            while (end > at + 1 && text[end - 1] is '.' or '-')
            {
                end--;
            }

            if ((end < text.Length && (text[end] == '@' || char.IsLetterOrDigit(text[end]))) || !IsDomain(text.AsSpan(at + 1, end - at - 1)))
            {
                continue;
            }

            Add(matches, start, end - start, 0.9);
            from = end;
        }
    }

    private static bool IsLocal(char c) =>
        Chars.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-' or '\'' or '!' or '#' or '$' or '&' or '*' or '=' or '?' or '^' or '`' or '{' or '|' or '}' or '~';

    private static bool IsDomain(ReadOnlySpan<char> domain)
    {
        int labels = 0;
        int lastDot = -1;
        for (int i = 0; i <= domain.Length; i++)
        {
            if (i == domain.Length || domain[i] == '.')
            {
                var label = domain[(lastDot + 1)..i];
                if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                {
                    return false;
                }

                labels++;
                lastDot = i;
            }
        }

        var top = domain[(domain.LastIndexOf('.') + 1)..];
        if (labels < 2 || top.Length < 2)
        {
            return false;
        }

        foreach (char c in top)
        {
            if (!Chars.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return true;
    }
}
