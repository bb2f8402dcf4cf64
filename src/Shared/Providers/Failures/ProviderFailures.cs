using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmKit.Errors;

namespace LlmKit.Providers;

/// <summary>
/// Turns what an LLM HTTP API answered (or failed to answer) into an <see cref="LlmException"/>, the same way for both
/// providers: kind from the error body before the status, <c>Retry-After</c> and rate-limit headers, request id, and
/// messages with neither the key nor account identifiers in them.
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
        var error = ProviderError.FromBody(body);
        LlmErrorKind kind = KindOf(status, error);
        string describedStatus = $"{status} ({reason ?? ((HttpStatusCode)status).ToString()})";
        string message = error.Message is not null
            ? $"{call.DisplayName} answered {describedStatus}: {error.Message}"
            : body.Length == 0
                ? $"{call.DisplayName} answered {describedStatus} with an empty body."
                : $"{call.DisplayName} answered {describedStatus} with a body that is not an API error ({mediaType ?? "no content type"}); a proxy or gateway in between probably produced it.";

        LlmNonRetryableReason? notRetryable =
            !LlmException.IsTransientKind(kind) ? null :
            error.ExceedsLimitOnItsOwn() ? LlmNonRetryableReason.RequestExceedsLimit :
            RateLimitHeaders.ProviderAdvisesAgainstRetry(headers) ? LlmNonRetryableReason.ProviderAdvisedAgainstRetry :
            null;
        if (notRetryable == LlmNonRetryableReason.RequestExceedsLimit)
        {
            message += " The request alone is larger than the limit, so waiting does not help: send less, or raise the limit.";
        }

        return new LlmException(kind, Scrub(message, call.ApiKey))
        {
            StatusCode = status,
            RetryAfter = RateLimitHeaders.RetryAfterOf(status, headers, timeProvider),
            RequestId = RateLimitHeaders.RequestIdOf(headers) ?? error.RequestId,
            Model = call.Model,
            Provider = call.Provider,
            ProviderErrorCode = error.Code ?? error.Type,
            ProviderAccountId = error.AccountId,
            NonRetryableReason = notRetryable,
        };
    }

    /// <summary>
    /// Translates an error object the provider sent with a 200 status: inside a stream (Anthropic's mid-stream
    /// <c>overloaded_error</c>) or as the whole body (some proxies).
    /// </summary>
    public static LlmException FromErrorObject(JsonElement errorObject, string? requestId, int? status, CallInfo call)
    {
        var error = ProviderError.FromObject(errorObject);
        LlmErrorKind kind = KindOf(0, error);
        if (kind == LlmErrorKind.Unknown)
        {
            kind = LlmErrorKind.ServerError; // the provider accepted the call and then gave up: its side failed
        }

        return new LlmException(kind, Scrub($"{call.DisplayName} reported an error after accepting the call: {error.Message ?? error.Type ?? "no details"}", call.ApiKey))
        {
            StatusCode = status,
            RequestId = requestId,
            Model = call.Model,
            Provider = call.Provider,
            ProviderErrorCode = error.Code ?? error.Type,
            ProviderAccountId = error.AccountId,
        };
    }

    /// <summary>
    /// Translates the failure of one request inside a batch's results: the status the provider would have answered
    /// (0 when the result says none) and its error object, so a batched request fails with the kind the same request
    /// would have had as an ordinary call.
    /// </summary>
    public static LlmException FromBatchItem(int status, JsonElement errorObject, string? requestId, CallInfo call)
    {
        var error = ProviderError.FromObject(errorObject);
        LlmErrorKind kind = KindOf(status, error);
        if (kind == LlmErrorKind.Unknown)
        {
            kind = LlmErrorKind.ServerError;
        }

        string describedStatus = status > 0 ? $" with status {status}" : string.Empty;
        return new LlmException(kind, Scrub($"{call.DisplayName} failed the batched request{describedStatus}: {error.Message ?? error.Code ?? error.Type ?? "no details"}", call.ApiKey))
        {
            StatusCode = status > 0 ? status : null,
            RequestId = requestId ?? error.RequestId,
            Model = call.Model,
            Provider = call.Provider,
            ProviderErrorCode = error.Code ?? error.Type,
        };
    }

    /// <summary>
    /// Translates an exception thrown while sending or reading; returns <see langword="null"/> for the caller's own
    /// cancellation. <paramref name="response"/> is the response whose body was being read, if any, so the failure
    /// keeps its status and can say what the body was.
    /// </summary>
    public static LlmException? FromException(
        Exception exception, CallInfo call, HttpResponseMessage? response, string? requestId, bool timedOut, CancellationToken callerToken)
    {
        if (exception is LlmException)
        {
            return null;
        }

        if (exception is OperationCanceledException && callerToken.IsCancellationRequested)
        {
            return null; // the caller asked to stop: that is not a failure of the model call
        }

        int? status = response is null ? null : (int)response.StatusCode;
        if (exception is OperationCanceledException || timedOut)
        {
            return new LlmException(LlmErrorKind.Timeout, $"{call.DisplayName} did not answer within the request timeout.", exception)
            {
                StatusCode = status, RequestId = requestId, Model = call.Model, Provider = call.Provider,
            };
        }

        if (exception is JsonException)
        {
            string? mediaType = response?.Content.Headers.ContentType?.MediaType;
            string message = mediaType is null || mediaType.Contains("json", StringComparison.OrdinalIgnoreCase) || mediaType.Contains("event-stream", StringComparison.OrdinalIgnoreCase)
                ? $"{call.DisplayName} sent a response that is not valid JSON: {exception.Message}"
                : $"{call.DisplayName} sent a {mediaType} body where JSON was expected (not valid JSON); a proxy or gateway in between probably produced it.";
            return new LlmException(LlmErrorKind.ServerError, message, exception)
            {
                StatusCode = status, RequestId = requestId, Model = call.Model, Provider = call.Provider,
            };
        }

        if (exception is HttpRequestException or IOException)
        {
            return new LlmException(LlmErrorKind.Network, Scrub($"The connection to {call.DisplayName} failed before a complete response arrived: {exception.Message}", call.ApiKey), exception)
            {
                StatusCode = status, RequestId = requestId, Model = call.Model, Provider = call.Provider,
            };
        }

        return null;
    }

    /// <summary>The exception for a successful response whose JSON does not have the shape the API documents.</summary>
    public static LlmException UnexpectedShape(CallInfo call, int? status, string? requestId, Exception exception) =>
        new(LlmErrorKind.ServerError, $"{call.DisplayName} sent a response of an unexpected shape: {exception.Message}", exception)
        {
            StatusCode = status, RequestId = requestId, Model = call.Model, Provider = call.Provider,
        };

    /// <summary>The exception for a stream that ended before the provider said it was complete.</summary>
    public static LlmException TruncatedStream(CallInfo call, int? status, string? requestId) =>
        new(LlmErrorKind.Network, $"The stream from {call.DisplayName} ended before the response was complete.")
        {
            StatusCode = status, RequestId = requestId, Model = call.Model, Provider = call.Provider,
        };

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

    private static LlmErrorKind KindOf(int status, ProviderError error)
    {
        // The body is more specific than the status: a 400 can be a context overflow, a 429 can be an exhausted
        // quota that no amount of waiting fixes.
        LlmErrorKind? byCode = (error.Code ?? error.Type) switch
        {
            "context_length_exceeded" or "string_above_max_length" => LlmErrorKind.ContextLengthExceeded,
            "content_filter" or "content_policy_violation" => LlmErrorKind.ContentFiltered,
            "insufficient_quota" or "billing_hard_limit_reached" or "permission_error" => LlmErrorKind.PermissionDenied,
            "invalid_api_key" or "authentication_error" => LlmErrorKind.Authentication,
            "not_found_error" or "model_not_found" => LlmErrorKind.NotFound,
            "rate_limit_error" or "rate_limit_exceeded" => LlmErrorKind.RateLimited,
            "overloaded_error" => LlmErrorKind.Overloaded,
            "request_too_large" => LlmErrorKind.BadRequest,

            // Generic server-side types: the status still tells overload (503) from breakage (500).
            "api_error" or "server_error" => status >= 500 ? LlmException.KindFromStatusCode(status) : LlmErrorKind.ServerError,
            _ => null,
        };
        if (byCode is { } kind)
        {
            return kind;
        }

        if (error.Message is { } message && (message.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase) ||
                                             message.Contains("maximum context length", StringComparison.OrdinalIgnoreCase)))
        {
            return LlmErrorKind.ContextLengthExceeded;
        }

        if (status == 0 && error.Type is "invalid_request_error")
        {
            return LlmErrorKind.BadRequest;
        }

        return status == 0 ? LlmErrorKind.Unknown : LlmException.KindFromStatusCode(status);
    }

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
