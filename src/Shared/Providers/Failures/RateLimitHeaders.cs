using System.Globalization;
using System.Net.Http.Headers;

namespace LlmKit.Providers;

/// <summary>
/// Reads how long a provider asked the caller to wait, and whether it said not to retry at all, from response headers.
/// </summary>
internal static class RateLimitHeaders
{
    /// <summary>
    /// How long the provider asked the caller to wait: <c>retry-after-ms</c>, then <c>Retry-After</c> (seconds or an
    /// HTTP date), then, for 429s only, the latest reset among the exhausted rate limits (<c>x-ratelimit-reset-*</c>
    /// durations, <c>anthropic-ratelimit-*-reset</c> timestamps). The reset of a limit that still has room says nothing
    /// about this failure, so it is never used: a request refused for tokens must not wait for the requests window.
    /// </summary>
    public static TimeSpan? RetryAfterOf(int status, HttpResponseHeaders headers, TimeProvider timeProvider)
    {
        DateTimeOffset now = timeProvider.GetUtcNow();
        if (First(headers, "retry-after-ms") is { } ms && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out double millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }

        if (First(headers, "Retry-After") is { } retryAfter)
        {
            if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParseExact(retryAfter, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                return date > now ? date - now : TimeSpan.Zero;
            }
        }

        if (status != 429)
        {
            return null;
        }

        TimeSpan? exhausted = null;
        foreach (var (name, values) in headers)
        {
            TimeSpan? reset = null;
            string? remainingName = null;
            string value = values.FirstOrDefault() ?? string.Empty;
            if (name.StartsWith("x-ratelimit-reset-", StringComparison.OrdinalIgnoreCase))
            {
                reset = ParseGoDuration(value);
                remainingName = "x-ratelimit-remaining-" + name["x-ratelimit-reset-".Length..];
            }
            else if (name.StartsWith("anthropic-ratelimit-", StringComparison.OrdinalIgnoreCase) && name.EndsWith("-reset", StringComparison.OrdinalIgnoreCase))
            {
                if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    reset = at > now ? at - now : TimeSpan.Zero;
                }

                remainingName = name[..^"-reset".Length] + "-remaining";
            }

            if (reset is { } r && First(headers, remainingName!) == "0")
            {
                exhausted = exhausted is { } e && e >= r ? e : r; // waiting for the latest exhausted limit is never too soon
            }
        }

        return exhausted;
    }

    /// <summary>
    /// Whether the provider said not to retry: <c>x-should-retry: false</c>, which Anthropic's and OpenAI's own SDKs
    /// obey over their status-based rules.
    /// </summary>
    public static bool ProviderAdvisesAgainstRetry(HttpResponseHeaders headers) =>
        string.Equals(First(headers, "x-should-retry"), "false", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the provider's request id header, if present.</summary>
    public static string? RequestIdOf(HttpResponseHeaders headers) =>
        First(headers, "x-request-id") ?? First(headers, "request-id") ?? First(headers, "apim-request-id");

    /// <summary>Parses the durations OpenAI uses in rate-limit reset headers: <c>1s</c>, <c>6m0s</c>, <c>20ms</c>, <c>1h2m3.5s</c>.</summary>
    public static TimeSpan? ParseGoDuration(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        double totalMs = 0;
        int i = 0;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                return null;
            }

            int unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            double factor = s[unitStart..i] switch
            {
                "h" => 3_600_000,
                "m" => 60_000,
                "s" or "" => 1000,
                "ms" => 1,
                "us" or "µs" => 0.001,
                "ns" => 0.000001,
                _ => double.NaN,
            };
            if (double.IsNaN(factor))
            {
                return null;
            }

            totalMs += number * factor;
        }

        return TimeSpan.FromMilliseconds(totalMs);
    }

    private static string? First(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
