using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LlmKit.Schema;

/// <summary>
/// The <c>format</c> checks LlmKit asserts when <see cref="JsonSchemaValidatorOptions.AssertFormat"/> is on. Written
/// by hand against the RFCs (3339, 4122, 5321, 3986) rather than with regular expressions, so they run without
/// allocation and say exactly what they accept.
/// </summary>
internal static class JsonSchemaFormats
{
    /// <summary>Returns whether the format is one LlmKit checks; unknown formats are annotations only.</summary>
    public static bool IsKnown(string format) => format is "date-time" or "date" or "time" or "uuid" or "email" or "uri";

    public static bool IsValid(string format, string value) => format switch
    {
        "date-time" => IsDateTime(value),
        "date" => IsDate(value),
        "time" => IsTime(value, out _, out _),
        "uuid" => IsUuid(value),
        "email" => IsEmail(value),
        "uri" => IsUri(value),
        _ => true,
    };

    public static string Describe(string format) => format switch
    {
        "date-time" => "an RFC 3339 date-time such as 2024-05-01T13:45:00Z",
        "date" => "an RFC 3339 full-date such as 2024-05-01",
        "time" => "an RFC 3339 full-time with an offset such as 13:45:00Z",
        "uuid" => "a UUID such as 123e4567-e89b-12d3-a456-426614174000",
        "email" => "an email address such as name@example.com",
        "uri" => "an absolute URI such as https://example.com/path",
        _ => format,
    };

    private static bool IsDateTime(string value)
    {
        int t = value.IndexOfAny(['T', 't']);
        if (t != 10 || !IsDate(value.AsSpan(0, 10)))
        {
            return false;
        }

        if (!IsTime(value.AsSpan(11), out int utcMinuteOfDay, out bool leapSecond))
        {
            return false;
        }

        return !leapSecond || utcMinuteOfDay == (23 * 60) + 59;
    }

    private static bool IsDate(ReadOnlySpan<char> s)
    {
        if (s.Length != 10 || s[4] != '-' || s[7] != '-' ||
            !Digits(s[..4], out int year) || !Digits(s.Slice(5, 2), out int month) || !Digits(s.Slice(8, 2), out int day))
        {
            return false;
        }

        return month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(Math.Max(year, 1), month);
    }

    // full-time = HH:MM:SS[.frac](Z|±HH:MM). A leap second (:60) is only real at 23:59 UTC, so the UTC minute is returned.
    private static bool IsTime(ReadOnlySpan<char> s, out int utcMinuteOfDay, out bool leapSecond)
    {
        utcMinuteOfDay = 0;
        leapSecond = false;
        if (s.Length < 9 || s[2] != ':' || s[5] != ':' ||
            !Digits(s[..2], out int hour) || !Digits(s.Slice(3, 2), out int minute) || !Digits(s.Slice(6, 2), out int second) ||
            hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        int i = 8;
        if (s[i] == '.')
        {
            int start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }
        }

        if (i >= s.Length)
        {
            return false;
        }

        int offsetMinutes;
        var offset = s[i..];
        if (offset is "Z" or "z")
        {
            offsetMinutes = 0;
        }
        else if (offset.Length == 6 && offset[0] is '+' or '-' && offset[3] == ':' &&
                 Digits(offset.Slice(1, 2), out int oh) && Digits(offset.Slice(4, 2), out int om) && oh <= 23 && om <= 59)
        {
            offsetMinutes = (offset[0] == '-' ? -1 : 1) * ((oh * 60) + om);
        }
        else
        {
            return false;
        }

        leapSecond = second == 60;
        utcMinuteOfDay = (((hour * 60) + minute - offsetMinutes) % 1440 + 1440) % 1440;
        return true;
    }

    private static bool IsTime(string value, out int utcMinuteOfDay, out bool leapSecond)
    {
        bool ok = IsTime(value.AsSpan(), out utcMinuteOfDay, out leapSecond);
        return ok && (!leapSecond || utcMinuteOfDay == (23 * 60) + 59);
    }

    private static bool IsDate(string value) => IsDate(value.AsSpan());

    private static bool Digits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (char c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    private static bool IsUuid(string value)
    {
        if (value.Length != 36)
        {
            return false;
        }

        for (int i = 0; i < 36; i++)
        {
            bool dash = i is 8 or 13 or 18 or 23;
            if (dash ? value[i] != '-' : !char.IsAsciiHexDigit(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsEmail(string value)
    {
        int at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1)
        {
            return false;
        }

        return IsLocalPart(value.AsSpan(0, at)) && IsDomain(value.AsSpan(at + 1));
    }

    private static bool IsLocalPart(ReadOnlySpan<char> local)
    {
        if (local.Length >= 2 && local[0] == '"' && local[^1] == '"')
        {
            var inner = local[1..^1];
            for (int i = 0; i < inner.Length; i++)
            {
                char c = inner[i];
                if (c == '\\')
                {
                    i++;
                    if (i >= inner.Length)
                    {
                        return false;
                    }
                }
                else if (c == '"' || c < 0x20 || c == 0x7f)
                {
                    return false;
                }
            }

            return true;
        }

        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in local)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDomain(ReadOnlySpan<char> domain)
    {
        if (domain[0] == '[')
        {
            if (domain[^1] != ']')
            {
                return false;
            }

            var literal = domain[1..^1];
            if (literal.StartsWith("IPv6:", StringComparison.Ordinal))
            {
                return IPAddress.TryParse(literal[5..], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
            }

            return IsIPv4(literal);
        }

        return IsHostName(domain);
    }

    private static bool IsHostName(ReadOnlySpan<char> host)
    {
        if (host.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool IsIPv4(ReadOnlySpan<char> s)
    {
        int parts = 0;
        foreach (var range in s.Split('.'))
        {
            var part = s[range];
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') || !Digits(part, out int octet) || octet > 255)
            {
                return false;
            }

            parts++;
        }

        return parts == 4;
    }

    // RFC 3986 URI (absolute, scheme required): scheme ":" hier-part [ "?" query ] [ "#" fragment ].
    private static bool IsUri(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !char.IsAsciiLetter(value[0]))
        {
            return false;
        }

        for (int i = 1; i < colon; i++)
        {
            char c = value[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '-' and not '.')
            {
                return false;
            }
        }

        var rest = value.AsSpan(colon + 1);
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            rest = rest[2..];
            int end = rest.IndexOfAny('/', '?', '#');
            var authority = end < 0 ? rest : rest[..end];
            if (!IsAuthority(authority))
            {
                return false;
            }

            rest = end < 0 ? [] : rest[end..];
        }

        int hash = rest.IndexOf('#');
        var beforeFragment = hash < 0 ? rest : rest[..hash];
        var fragment = hash < 0 ? [] : rest[(hash + 1)..];
        return IsUriChars(beforeFragment, allowHash: false) && IsUriChars(fragment, allowHash: false);
    }

    private static bool IsAuthority(ReadOnlySpan<char> authority)
    {
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            if (!IsUriChars(authority[..at], allowHash: false) || authority[..at].ContainsAny('/', '?', '[') || authority[..at].Contains(']'))
            {
                return false;
            }

            authority = authority[(at + 1)..];
        }

        ReadOnlySpan<char> port = [];
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            var literal = authority[1..close];
            if (!IPAddress.TryParse(literal, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6 || HasLeadingZeroIPv4(literal))
            {
                return false;
            }

            var after = authority[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return false;
                }

                port = after[1..];
            }
        }
        else
        {
            int colon = authority.LastIndexOf(':');
            var host = colon < 0 ? authority : authority[..colon];
            port = colon < 0 ? [] : authority[(colon + 1)..];
            foreach (char c in host)
            {
                if (!IsUnreserved(c) && !IsSubDelim(c) && c != '%')
                {
                    return false;
                }
            }

            if (!IsUriChars(host, allowHash: false))
            {
                return false;
            }
        }

        foreach (char c in port)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasLeadingZeroIPv4(ReadOnlySpan<char> literal)
    {
        int lastColon = literal.LastIndexOf(':');
        var tail = literal[(lastColon + 1)..];
        return tail.Contains('.') && !IsIPv4(tail);
    }

    private static bool IsUriChars(ReadOnlySpan<char> s, bool allowHash)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '%')
            {
                if (i + 2 >= s.Length || !char.IsAsciiHexDigit(s[i + 1]) || !char.IsAsciiHexDigit(s[i + 2]))
                {
                    return false;
                }

                i += 2;
            }
            else if (!(IsUnreserved(c) || IsSubDelim(c) || c is ':' or '@' or '/' or '?' || (allowHash && c == '#')))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static bool IsSubDelim(char c) => c is '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=';

    internal static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
