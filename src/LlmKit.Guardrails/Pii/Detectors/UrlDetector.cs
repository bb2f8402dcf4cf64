namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// URLs with a scheme (<c>https://…</c>, <c>ftp://…</c>), URLs starting with <c>www.</c>, and bare domain names
/// (<c>example.com/path</c>) whose top-level label is a common lower-case TLD. File names such as <c>setup.py</c> and
/// names such as <c>ASP.NET</c> are not domains: the TLD list leaves out labels that are also file extensions, and a
/// bare domain's TLD must be lower case. Trailing punctuation and an unbalanced closing bracket end a URL.
/// </summary>
internal sealed class UrlDetector : PiiDetector
{
    internal const double UrlConfidence = 0.6;
    internal const double DomainConfidence = 0.5;

    private static readonly HashSet<string> Schemes = new(StringComparer.OrdinalIgnoreCase) { "http", "https", "ftp", "ftps", "sftp", "ws", "wss" };

    // Generic TLDs and the most used country codes; labels that are common file extensions (md, py, sh, rs, pl, cs, ps …) are left out.
    private static readonly HashSet<string> TldSet = new(StringComparer.Ordinal)
    {
        "com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "io", "ai", "app", "dev", "co", "me", "tv", "cloud", "online",
        "site", "tech", "store", "shop", "blog", "xyz", "news", "email", "uk", "de", "fr", "nl", "es", "it", "eu", "ch", "at", "be",
        "se", "no", "dk", "fi", "ie", "pt", "ru", "cn", "jp", "kr", "in", "au", "nz", "ca", "us", "br", "mx", "ar", "za", "cz", "gr",
        "hu", "ro", "tr", "il", "sg", "hk", "tw",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> Tlds = TldSet.GetAlternateLookup<ReadOnlySpan<char>>();

    public UrlDetector()
        : base("url", PiiEntity.Url)
    {
        ContextWords = ["url", "link", "website", "site", "page", "visit", "domain"];
    }

    public override void Detect(string text, List<PiiMatch> matches)
    {
        int before = matches.Count;
        DetectSchemes(text, matches);
        DetectWww(text, matches);
        DetectDomains(text, matches, before);
    }

    private void DetectSchemes(string text, List<PiiMatch> matches)
    {
        int from = 0;
        while (from < text.Length)
        {
            int mark = text.IndexOf("://", from, StringComparison.Ordinal);
            if (mark < 0)
            {
                return;
            }

            int start = mark;
            while (start > 0 && mark - start < 6 && Chars.IsAsciiLetter(text[start - 1]))
            {
                start--;
            }

            from = mark + 3;
            if (start == mark || Chars.IsWordAt(text, start - 1) || !Schemes.Contains(text.Substring(start, mark - start)))
            {
                continue;
            }

            int end = ReadRest(text, mark + 3);
            if (end > mark + 3)
            {
                Add(matches, start, end - start, UrlConfidence);
                from = end;
            }
        }
    }

    private void DetectWww(string text, List<PiiMatch> matches)
    {
        int from = 0;
        while (from < text.Length)
        {
            int start = text.IndexOf("www.", from, StringComparison.OrdinalIgnoreCase);
            if (start < 0)
            {
                return;
            }

            from = start + 4;
            if (Chars.IsWordAt(text, start - 1) || (start > 0 && text[start - 1] is '/' or '.' or '@'))
            {
                continue; // part of a scheme URL or of a longer name
            }

            int end = ReadRest(text, start + 4);
            if (end > start + 4 && text.AsSpan(start + 4, end - start - 4).Contains('.'))
            {
                Add(matches, start, end - start, UrlConfidence);
                from = end;
            }
        }
    }

    private void DetectDomains(string text, List<PiiMatch> matches, int firstOwn)
    {
        var urls = new UrlSpans(matches, firstOwn);
        int from = 0;
        while (from < text.Length)
        {
            int dot = text.IndexOf('.', from);
            if (dot < 0)
            {
                return;
            }

            from = dot + 1;
            int tldEnd = dot + 1;
            while (tldEnd < text.Length && Chars.IsLower(text[tldEnd]))
            {
                tldEnd++;
            }

            if (tldEnd - dot - 1 < 2 || (tldEnd < text.Length && (Chars.IsWordAt(text, tldEnd) || text[tldEnd] is '-' or '@')) ||
                !Tlds.Contains(text.AsSpan(dot + 1, tldEnd - dot - 1)))
            {
                continue;
            }

            int start = dot;
            while (start > 0 && dot - start < 253 && (Chars.IsAsciiLetterOrDigit(text[start - 1]) || text[start - 1] is '-' or '.'))
            {
                start--;
            }

            while (start < dot && text[start] is '.' or '-')
            {
                start++;
            }

            if (start == dot || (start > 0 && (char.IsLetterOrDigit(text[start - 1]) || text[start - 1] is '@' or '/' or ':' or '_')) ||
                urls.Covers(start))
            {
                continue; // an e-mail's domain, part of a URL, or glued to a word
            }

            int end = tldEnd < text.Length && text[tldEnd] is '/' or ':' ? ReadRest(text, tldEnd) : tldEnd;
            Add(matches, start, end - start, DomainConfidence);
            from = end;
        }
    }

    /// <summary>
    /// The URLs found by the first two passes, sorted, with the furthest end reached so far: whether an index lies in one
    /// is a binary search, so a text with many URLs stays linear.
    /// </summary>
    private readonly struct UrlSpans
    {
        private readonly int[] _starts;
        private readonly int[] _maxEnds;

        public UrlSpans(List<PiiMatch> matches, int first)
        {
            int count = matches.Count - first;
            _starts = count == 0 ? [] : new int[count];
            _maxEnds = count == 0 ? [] : new int[count];
            var ends = count == 0 ? [] : new int[count];
            for (int i = 0; i < count; i++)
            {
                _starts[i] = matches[first + i].Start;
                ends[i] = matches[first + i].End;
            }

            Array.Sort(_starts, ends);
            int reach = 0;
            for (int i = 0; i < count; i++)
            {
                reach = Math.Max(reach, ends[i]);
                _maxEnds[i] = reach;
            }
        }

        public bool Covers(int index)
        {
            if (_starts.Length == 0)
            {
                return false;
            }

            int i = Array.BinarySearch(_starts, index);
            i = i >= 0 ? i : ~i - 1;
            return i >= 0 && _maxEnds[i] > index;
        }
    }

    /// <summary>Reads URL characters from <paramref name="start"/>, then trims trailing punctuation and unbalanced brackets.</summary>
    private static int ReadRest(string text, int start)
    {
        int end = start;
        while (end < text.Length && end - start < 8192 && IsUrlChar(text[end]))
        {
            end++;
        }

        while (end > start)
        {
            char last = text[end - 1];
            if (last is '.' or ',' or ';' or ':' or '!' or '?' or '\'' or '*')
            {
                end--;
            }
            else if ((last == ')' && Unbalanced(text.AsSpan(start, end - start), '(', ')')) ||
                     (last == ']' && Unbalanced(text.AsSpan(start, end - start), '[', ']')))
            {
                end--;
            }
            else
            {
                break;
            }
        }

        return end;
    }

    private static bool Unbalanced(ReadOnlySpan<char> url, char open, char close) => url.Count(close) > url.Count(open);

    private static bool IsUrlChar(char c) =>
        c > ' ' && c < 0x7F && c is not ('<' or '>' or '"' or '`' or '{' or '}' or '|' or '\\' or '^');
}
