using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmKit.Errors;

namespace LlmKit.Providers.Http;

/// <summary>
/// Turns what an LLM HTTP API answered (or failed to answer) into an <see cref="LlmException"/>. Shared as source by
/// the OpenAI and Anthropic providers so that both read <c>Retry-After</c>, rate-limit reset headers and error bodies
/// the same way.
/// </summary>
internal static partial class ProviderFailures
{
    // An error page from a proxy can be megabytes of HTML; only the start is useful in a message.
    private const int MaxErrorBodyChars = 16 * 1024;

    /// <summary>Facts about the call that every failure carries.</summary>
    internal readonly record struct CallInfo(string Provider, string DisplayName, string? Model, string? ApiKey);

    /// <summary>Reads the body of a failed response and translates it.</summary>
    public static async Task<LlmException> FromResponseAsync(
        HttpResponseMessage response, CallInfo call, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await ReadPrefixAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            body = string.Empty; // the status line already says what matters; a reset while reading the error is noise
        }

        return FromStatus((int)response.StatusCode, response.ReasonPhrase, response.Headers, response.Content.Headers.ContentType?.MediaType, body, call, timeProvider);
    }

    /// <summary>Translates an HTTP status, its headers and its body.</summary>
    public static LlmException FromStatus(
        int status, string? reason, HttpResponseHeaders headers, string? mediaType, string body, CallInfo call, TimeProvider timeProvider)
    {
        var (errorType, errorCode, errorMessage, bodyRequestId) = ParseErrorBody(body);
        LlmErrorKind kind = KindOf(status, errorType, errorCode, errorMessage);
        string describedStatus = $"{status} ({reason ?? ((HttpStatusCode)status).ToString()})";
        string message = errorMessage is not null
            ? $"{call.DisplayName} answered {describedStatus}: {errorMessage}"
            : body.Length == 0
                ? $"{call.DisplayName} answered {describedStatus} with an empty body."
                : $"{call.DisplayName} answered {describedStatus} with a body that is not an API error ({mediaType ?? "no content type"}); a proxy or gateway in between probably produced it.";

        return new LlmException(kind, Scrub(message, call.ApiKey))
        {
            StatusCode = status,
            RetryAfter = RetryAfterOf(status, headers, timeProvider),
            RequestId = RequestIdOf(headers) ?? bodyRequestId,
            Model = call.Model,
            Provider = call.Provider,
            ProviderErrorCode = errorCode ?? errorType,
        };
    }

    /// <summary>Translates an error object the provider sent inside a successful stream (for example Anthropic's mid-stream <c>overloaded_error</c>).</summary>
    public static LlmException FromStreamError(JsonElement error, string? requestId, CallInfo call)
    {
        var (type, code, text) = ParseErrorObject(error);
        LlmErrorKind kind = KindOf(0, type, code, text);
        if (kind == LlmErrorKind.Unknown)
        {
            kind = LlmErrorKind.ServerError; // the provider accepted the call and then gave up: its side failed
        }

        return new LlmException(kind, Scrub($"{call.DisplayName} reported an error in the middle of the stream: {text ?? type ?? "no details"}", call.ApiKey))
        {
            RequestId = requestId,
            Model = call.Model,
            Provider = call.Provider,
            ProviderErrorCode = code ?? type,
        };
    }

    /// <summary>Translates an exception thrown while sending or reading; returns <see langword="null"/> for the caller's own cancellation.</summary>
    public static LlmException? FromException(Exception exception, CallInfo call, string? requestId, bool timedOut, CancellationToken callerToken)
    {
        if (exception is LlmException)
        {
            return null;
        }

        if (exception is OperationCanceledException && callerToken.IsCancellationRequested)
        {
            return null; // the caller asked to stop: that is not a failure of the model call
        }

        if (exception is OperationCanceledException || timedOut)
        {
            return new LlmException(LlmErrorKind.Timeout, $"{call.DisplayName} did not answer within the request timeout.", exception)
            {
                RequestId = requestId, Model = call.Model, Provider = call.Provider,
            };
        }

        if (exception is JsonException)
        {
            return new LlmException(LlmErrorKind.ServerError, $"{call.DisplayName} sent a response that is not valid JSON: {exception.Message}", exception)
            {
                RequestId = requestId, Model = call.Model, Provider = call.Provider,
            };
        }

        if (exception is HttpRequestException or IOException)
        {
            return new LlmException(LlmErrorKind.Network, Scrub($"The connection to {call.DisplayName} failed before a complete response arrived: {exception.Message}", call.ApiKey), exception)
            {
                RequestId = requestId, Model = call.Model, Provider = call.Provider,
            };
        }

        return null;
    }

    /// <summary>The exception for a stream that ended before the provider said it was complete.</summary>
    public static LlmException TruncatedStream(CallInfo call, string? requestId) =>
        new(LlmErrorKind.Network, $"The stream from {call.DisplayName} ended before the response was complete.")
        {
            RequestId = requestId, Model = call.Model, Provider = call.Provider,
        };

    /// <summary>Returns the provider's request id header, if present.</summary>
    public static string? RequestIdOf(HttpResponseHeaders headers) =>
        First(headers, "x-request-id") ?? First(headers, "request-id") ?? First(headers, "apim-request-id");

    /// <summary>
    /// How long the provider asked the caller to wait: <c>retry-after-ms</c>, then <c>Retry-After</c> (seconds or an
    /// HTTP date), then, for 429s only, the latest reset among the exhausted rate limits
    /// (<c>x-ratelimit-reset-*</c> durations, <c>anthropic-ratelimit-*-reset</c> timestamps).
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

        TimeSpan? exhausted = null, any = null;
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

            if (reset is not { } r)
            {
                continue;
            }

            any = any is { } a && a >= r ? a : r;
            if (First(headers, remainingName!) == "0")
            {
                exhausted = exhausted is { } e && e >= r ? e : r;
            }
        }

        // Waiting for the latest exhausted limit is never too soon; without a "remaining: 0" to go by, the latest of all is.
        return exhausted ?? any;
    }

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

    /// <summary>
    /// Removes the API key, and any masked rendering of a key that providers echo back (<c>sk-abc****xyz</c>), from
    /// text that goes into exceptions and logs.
    /// </summary>
    public static string Scrub(string text, string? apiKey)
    {
        if (!string.IsNullOrEmpty(apiKey) && apiKey.Length >= 4)
        {
            text = text.Replace(apiKey, "[redacted]", StringComparison.Ordinal);
        }

        return MaskedSecret().Replace(text, "[redacted]");
    }

    [GeneratedRegex(@"\S*\*{4,}\S*")]
    private static partial Regex MaskedSecret();

    private static LlmErrorKind KindOf(int status, string? type, string? code, string? message)
    {
        // The body is more specific than the status: a 400 can be a context overflow, a 429 can be an exhausted
        // quota that no amount of waiting fixes.
        string? c = code ?? type;
        switch (c)
        {
            case "context_length_exceeded" or "string_above_max_length":
                return LlmErrorKind.ContextLengthExceeded;
            case "content_filter" or "content_policy_violation":
                return LlmErrorKind.ContentFiltered;
            case "insufficient_quota" or "billing_hard_limit_reached":
                return LlmErrorKind.PermissionDenied;
            case "invalid_api_key" or "authentication_error":
                return LlmErrorKind.Authentication;
            case "permission_error":
                return LlmErrorKind.PermissionDenied;
            case "not_found_error" or "model_not_found":
                return LlmErrorKind.NotFound;
            case "rate_limit_error" or "rate_limit_exceeded":
                return LlmErrorKind.RateLimited;
            case "overloaded_error":
                return LlmErrorKind.Overloaded;
            case "api_error" or "server_error":
                // Generic server-side types: the status still tells overload (503) from breakage (500).
                return status >= 500 ? LlmException.KindFromStatusCode(status) : LlmErrorKind.ServerError;
            case "request_too_large":
                return LlmErrorKind.BadRequest;
        }

        if (message is not null && (message.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase) ||
                                    message.Contains("maximum context length", StringComparison.OrdinalIgnoreCase)))
        {
            return LlmErrorKind.ContextLengthExceeded;
        }

        if (status == 0 && type is "invalid_request_error")
        {
            return LlmErrorKind.BadRequest;
        }

        return status == 0 ? LlmErrorKind.Unknown : LlmException.KindFromStatusCode(status);
    }

    private static (string? Type, string? Code, string? Message, string? RequestId) ParseErrorBody(string body)
    {
        if (body.Length == 0 || body.AsSpan().TrimStart() is not ['{', ..])
        {
            return default;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
            {
                string? requestId = StringOf(root, "request_id"); // Anthropic repeats it in the body
                if (error.ValueKind == JsonValueKind.String)
                {
                    return (null, null, error.GetString(), requestId); // vLLM, Ollama and LiteLLM sometimes send {"error": "text"}
                }

                var (type, code, message) = ParseErrorObject(error);
                return (type, code, message, requestId);
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var bare) && bare.ValueKind == JsonValueKind.String)
            {
                return (null, null, bare.GetString(), null);
            }
        }
        catch (JsonException)
        {
            // Truncated or not JSON after all: the caller describes the body by its content type instead.
        }

        return default;
    }

    private static (string? Type, string? Code, string? Message) ParseErrorObject(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        return (StringOf(error, "type"), StringOf(error, "code"), StringOf(error, "message"));
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;

    private static string? First(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static async Task<string> ReadPrefixAsync(HttpContent content, CancellationToken cancellationToken)
    {
        using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        char[] buffer = new char[MaxErrorBodyChars];
        int read = 0, n;
        while (read < buffer.Length && (n = await reader.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
        {
            read += n;
        }

        return new string(buffer, 0, read);
    }
}
