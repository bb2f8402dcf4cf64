using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers;

/// <summary>
/// The HTTP logging of LlmKit's named clients: the same events, categories and levels as HttpClientFactory's default
/// logging, but header values are redacted in the structured state as well as in the message.
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Http 10 applies <c>RedactLoggedHeaders</c> only when it formats the header events; the state it
/// hands to loggers still carries every raw value, and structured exporters (OpenTelemetry) export the state, so an
/// <c>Authorization</c> header reached the log backend. This logger replaces the default ones on LlmKit's clients and
/// builds the state from already redacted values. A header is redacted when it is a credential
/// (<see cref="CredentialHeaders"/>), when the provider options name it, or when the application's own
/// <c>RedactLoggedHeaders</c> predicate says so (which, since .NET 9, is every header unless configured otherwise).
/// </remarks>
internal sealed class RedactingHttpClientLogger(ILogger logger, bool wrapsPipeline, Func<string, bool> shouldRedact) : IHttpClientLogger
{
    private static readonly Func<ILogger, HttpMethod, string?, IDisposable?> PipelineScope =
        LoggerMessage.DefineScope<HttpMethod, string?>("HTTP {HttpMethod} {Uri}");

    private static readonly Action<ILogger, HttpMethod, string?, Exception?> PipelineStart = LoggerMessage.Define<HttpMethod, string?>(
        LogLevel.Information, new EventId(100, "RequestPipelineStart"), "Start processing HTTP request {HttpMethod} {Uri}");

    private static readonly Action<ILogger, double, int, Exception?> PipelineEnd = LoggerMessage.Define<double, int>(
        LogLevel.Information, new EventId(101, "RequestPipelineEnd"), "End processing HTTP request after {ElapsedMilliseconds}ms - {StatusCode}");

    private static readonly Action<ILogger, HttpMethod, string?, Exception?> ClientStart = LoggerMessage.Define<HttpMethod, string?>(
        LogLevel.Information, new EventId(100, "RequestStart"), "Sending HTTP request {HttpMethod} {Uri}");

    private static readonly Action<ILogger, double, int, Exception?> ClientEnd = LoggerMessage.Define<double, int>(
        LogLevel.Information, new EventId(101, "RequestEnd"), "Received HTTP response headers after {ElapsedMilliseconds}ms - {StatusCode}");

    private static readonly Action<ILogger, double, Exception?> Failed = LoggerMessage.Define<double>(
        LogLevel.Warning, new EventId(104, "RequestFailed"), "HTTP request failed after {ElapsedMilliseconds}ms");

    private readonly EventId _requestHeaders = wrapsPipeline ? new(102, "RequestPipelineRequestHeader") : new(102, "RequestHeader");
    private readonly EventId _responseHeaders = wrapsPipeline ? new(103, "RequestPipelineResponseHeader") : new(103, "ResponseHeader");

    /// <inheritdoc />
    public object? LogRequestStart(HttpRequestMessage request)
    {
        string? uri = RedactedUri(request.RequestUri);
        IDisposable? scope = wrapsPipeline ? PipelineScope(logger, request.Method, uri) : null;
        (wrapsPipeline ? PipelineStart : ClientStart)(logger, request.Method, uri, null);
        if (logger.IsEnabled(LogLevel.Trace))
        {
            logger.Log(LogLevel.Trace, _requestHeaders, new RedactedHeaders("Request Headers:", request.Headers, request.Content?.Headers, shouldRedact), null, static (s, _) => s.ToString());
        }

        return scope;
    }

    /// <inheritdoc />
    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed)
    {
        (wrapsPipeline ? PipelineEnd : ClientEnd)(logger, elapsed.TotalMilliseconds, (int)response.StatusCode, null);
        if (logger.IsEnabled(LogLevel.Trace))
        {
            logger.Log(LogLevel.Trace, _responseHeaders, new RedactedHeaders("Response Headers:", response.Headers, response.Content?.Headers, shouldRedact), null, static (s, _) => s.ToString());
        }

        (context as IDisposable)?.Dispose();
    }

    /// <inheritdoc />
    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed)
    {
        Failed(logger, elapsed.TotalMilliseconds, exception);
        (context as IDisposable)?.Dispose();
    }

    /// <summary>The URI without its query, which can carry keys (<c>?key=…</c>), as the default logging writes it.</summary>
    private static string? RedactedUri(Uri? uri) => uri switch
    {
        null => null,
        { IsAbsoluteUri: false } => "*",
        { Query.Length: > 1 } => uri.GetLeftPart(UriPartial.Path) + "?*",
        _ => uri.AbsoluteUri,
    };

    /// <summary>Header log state whose values are redacted before anyone, formatter or exporter, can read them.</summary>
    private sealed class RedactedHeaders : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly string _title;
        private readonly List<KeyValuePair<string, object?>> _values = [];

        public RedactedHeaders(string title, HttpHeaders headers, HttpHeaders? contentHeaders, Func<string, bool> shouldRedact)
        {
            _title = title;
            Add(headers, shouldRedact);
            if (contentHeaders is not null)
            {
                Add(contentHeaders, shouldRedact);
            }
        }

        public int Count => _values.Count;

        public KeyValuePair<string, object?> this[int index] => _values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString()
        {
            var text = new StringBuilder(_title).AppendLine();
            foreach (var (name, value) in _values)
            {
                text.Append(name).Append(": ").Append(value).AppendLine();
            }

            return text.ToString();
        }

        private void Add(HttpHeaders headers, Func<string, bool> shouldRedact)
        {
            // NonValidated: logging must not parse (and so change) the headers that go on the wire.
            foreach (var (name, values) in headers.NonValidated)
            {
                _values.Add(new(name, shouldRedact(name) ? "*" : values.ToString()));
            }
        }
    }
}
