using System.Net;
using System.Net.Sockets;

namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// IPv4 addresses in dotted decimal (four octets of 0–255, no leading zeros, not part of a longer dotted number) and
/// IPv6 addresses (two or more colons, parsed by <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/>,
/// not glued to a word, so <c>std::vector</c> and times such as <c>12:30:45</c> are not matches).
/// </summary>
internal sealed class IpAddressDetector : PiiDetector
{
    internal const double V4Confidence = 0.6;
    internal const double V6Confidence = 0.7;

    public IpAddressDetector()
        : base("ip-address", PiiEntity.IpAddress)
    {
        ContextWords = ["ip", "address", "host", "server", "client", "from", "source", "login"];
    }

    public override void Detect(string text, List<PiiMatch> matches)
    {
        DetectV4(text, matches);
        DetectV6(text, matches);
    }

    private void DetectV4(string text, List<PiiMatch> matches)
    {
        int i = 0;
        while (i < text.Length)
        {
            int next = text.AsSpan(i).IndexOfAny(Chars.Digits);
            if (next < 0)
            {
                return;
            }

            i += next;
            if (Chars.IsWordAt(text, i - 1) || (i > 1 && text[i - 1] == '.' && Chars.IsDigit(text[i - 2])))
            {
                i = Skip(text, i);
                continue;
            }

            int end = ReadV4(text, i);
            if (end > 0)
            {
                Add(matches, i, end - i, V4Confidence);
                i = end;
            }
            else
            {
                i = Skip(text, i);
            }
        }
    }

    /// <summary>Skips the rest of a dotted number or word.</summary>
    private static int Skip(string text, int i)
    {
        while (i < text.Length && (Chars.IsWordAt(text, i) || (text[i] == '.' && Chars.IsWordAt(text, i + 1))))
        {
            i++;
        }

        return i;
    }

    private static int ReadV4(string text, int start)
    {
        int i = start;
        for (int octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (i >= text.Length || text[i] != '.')
                {
                    return 0;
                }

                i++;
            }

            int digits = 0;
            int value = 0;
            while (i < text.Length && Chars.IsDigit(text[i]) && digits < 4)
            {
                value = (value * 10) + (text[i] - '0');
                digits++;
                i++;
            }

            if (digits is 0 or > 3 || value > 255 || (digits > 1 && text[i - digits] == '0'))
            {
                return 0;
            }
        }

        // Not the start of a longer dotted number (1.2.3.4.5) nor glued to a word.
        return Chars.IsWordAt(text, i) || (i + 1 < text.Length && text[i] == '.' && Chars.IsDigit(text[i + 1])) ? 0 : i;
    }

    private void DetectV6(string text, List<PiiMatch> matches)
    {
        int i = 0;
        while (i < text.Length)
        {
            int colon = text.IndexOf(':', i);
            if (colon < 0)
            {
                return;
            }

            int start = colon;
            while (start > 0 && colon - start < 45 && (Chars.IsHex(text[start - 1]) || text[start - 1] == ':'))
            {
                start--;
            }

            int end = colon;
            while (end < text.Length && end - start < 45 && (Chars.IsHex(text[end]) || text[end] is ':' or '.'))
            {
                end++;
            }

            while (end > colon && text[end - 1] is '.' or ':' && !(end - 2 >= start && text[end - 2] == ':' && text[end - 1] == ':'))
            {
                end--; // a sentence's full stop or a trailing colon, but keep a final "::"
            }

            var candidate = text.AsSpan(start, end - start);
            if (!Chars.IsWordAt(text, start - 1) && !Chars.IsWordAt(text, end) && candidate.Count(':') >= 2 && HexDigits(candidate) >= 3 &&
                IPAddress.TryParse(candidate, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                Add(matches, start, end - start, V6Confidence);
            }

            i = Math.Max(end, colon + 1);
        }
    }

    private static int HexDigits(ReadOnlySpan<char> candidate)
    {
        int count = 0;
        foreach (char c in candidate)
        {
            if (Chars.IsHex(c))
            {
                count++;
            }
        }

        return count;
    }
}
