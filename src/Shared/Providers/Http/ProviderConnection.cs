using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmKit.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKit.Providers;

/// <summary>
/// The HTTP side of a provider client, shared by both providers: it owns (or borrows) the <see cref="HttpClient"/>,
/// adds the provider's headers, sends each request with a per-request timeout measured on a <see cref="TimeProvider"/>,
/// reads JSON answers and SSE streams, and turns every way a call can fail into an <see cref="LlmException"/>. The
/// caller's own cancellation stays an <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class ProviderConnection : IDisposable
{
    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _requestTimeout;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, string>[] _headers;
    private readonly string _provider;
    private readonly string _displayName;
    private readonly string? _apiKey;

    /// <param name="provider">The provider name in telemetry and exceptions.</param>
    /// <param name="displayName">How messages name the endpoint ("The Anthropic API").</param>
    /// <param name="apiKey">The key, only so that failures can scrub it from what the server echoes.</param>
    /// <param name="headers">Headers sent with every request (credentials, API version).</param>
    /// <param name="requestTimeout">How long one request may take, to the last byte of a stream.</param>
    /// <param name="httpClient">The client to send through; when <see langword="null"/> one is created and owned.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">The logger; <see cref="NullLogger.Instance"/> when <see langword="null"/>.</param>
    public ProviderConnection(
        string provider, string displayName, string? apiKey, IEnumerable<KeyValuePair<string, string>> headers, TimeSpan requestTimeout,
        HttpClient? httpClient, TimeProvider? timeProvider, ILogger? logger)
    {
        _provider = provider;
        _displayName = displayName;
        _apiKey = apiKey;
        _headers = headers.ToArray();
        _requestTimeout = requestTimeout;
        _ownsHttpClient = httpClient is null;
        _httpClient = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Sends a JSON request and reads its JSON answer with <paramref name="read"/>.</summary>
    /// <remarks>
    /// A 200 answer that is an error object (some proxies do that) is translated like an error status; a JSON answer of
    /// an unexpected shape, for which <paramref name="read"/> throws, is a <see cref="LlmErrorKind.ServerError"/>.
    /// </remarks>
    public Task<T> SendAsync<T>(Uri uri, ReadOnlyMemory<byte> body, string model, Func<JsonElement, ProviderCall, T> read, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, uri, JsonContent(body), model, read, cancellationToken);

    /// <summary>Sends any request (a GET, a form upload) and reads its JSON answer with <paramref name="read"/>, translating failures as for chat calls.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="uri">The endpoint.</param>
    /// <param name="content">The body, or <see langword="null"/>; the request owns and disposes it.</param>
    /// <param name="model">The model the request is about, for failures (a batch: the batch's model, or a placeholder).</param>
    /// <param name="read">Reads the answer; a shape it does not expect is a <see cref="LlmErrorKind.ServerError"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<T> SendAsync<T>(HttpMethod method, Uri uri, HttpContent? content, string model, Func<JsonElement, ProviderCall, T> read, CancellationToken cancellationToken)
    {
        using var call = await StartAsync(method, uri, content, model, stream: false, cancellationToken).ConfigureAwait(false);
        using var document = await call.ReadJsonAsync().ConfigureAwait(false);
        var root = document.RootElement;
        if (ErrorObjectOf(root) is { } error)
        {
            throw call.Failed(ProviderFailures.FromErrorObject(error, call.RequestId, call.Status, call.Info));
        }

        try
        {
            return read(root, call);
        }
        catch (Exception ex) when (IsShapeError(ex))
        {
            throw call.Failed(ProviderFailures.UnexpectedShape(call.Info, call.Status, call.RequestId, ex));
        }
    }

    /// <summary>Sends a chat request and returns its answer, with the provider's request id in <c>AdditionalProperties["request_id"]</c>.</summary>
    public Task<ChatResponse> GetResponseAsync(Uri uri, ReadOnlyMemory<byte> body, string model, Func<JsonElement, ChatResponse> read, CancellationToken cancellationToken) =>
        SendAsync(uri, body, model, (root, call) =>
        {
            var response = read(root);
            if (call.RequestId is { } requestId)
            {
                (response.AdditionalProperties ??= [])["request_id"] = requestId;
            }

            return response;
        }, cancellationToken);

    /// <summary>Sends a streaming chat request and yields its updates as <paramref name="assembler"/> reads them.</summary>
    /// <remarks>
    /// A stream that stops before the provider said the answer is complete was cut off: passing the partial text on as
    /// if it were complete would hide the failure from the caller and from retries, so it ends in a
    /// <see cref="LlmErrorKind.Network"/> failure after the text already delivered.
    /// </remarks>
    public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        Uri uri, ReadOnlyMemory<byte> body, string model, IChatStreamAssembler assembler, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = await StartAsync(HttpMethod.Post, uri, JsonContent(body), model, stream: true, cancellationToken).ConfigureAwait(false);
        bool done = false;
        await foreach (var e in call.ReadEventsAsync().ConfigureAwait(false))
        {
            if (e.IsDone)
            {
                done = true;
                break;
            }

            if (e.Data is not { } data)
            {
                continue;
            }

            // Both APIs report failures after the 200 as an event carrying an "error" object (Anthropic: overloaded).
            if (ErrorObjectOf(data) is { } error)
            {
                throw call.Failed(ProviderFailures.FromErrorObject(error, call.RequestId, call.Status, call.Info));
            }

            // Enumerated by hand, not buffered into a list: a stream has a thousand events, and only the reading of
            // each one, not the caller's handling of the update, is a failure of the provider's answer.
            using var updates = assembler.Read(data).GetEnumerator();
            while (true)
            {
                try
                {
                    if (!updates.MoveNext())
                    {
                        break;
                    }
                }
                catch (Exception ex) when (IsShapeError(ex))
                {
                    throw call.Failed(ProviderFailures.UnexpectedShape(call.Info, call.Status, call.RequestId, ex));
                }

                yield return updates.Current;
            }

            if (assembler.Ended)
            {
                break;
            }
        }

        if (!done && !assembler.Finished)
        {
            throw call.Failed(ProviderFailures.TruncatedStream(call.Info, call.Status, call.RequestId));
        }

        if (assembler.Flush() is { } rest)
        {
            yield return rest;
        }
    }

    /// <summary>
    /// Downloads a body of JSON Lines (a batch result file) and yields it line by line, without holding the whole file;
    /// each line with its 1-based number. Blank lines are skipped but counted. A connection that breaks mid-file is a
    /// <see cref="LlmErrorKind.Network"/> failure after the lines already read.
    /// </summary>
    public async IAsyncEnumerable<(int Number, string Text)> ReadLinesAsync(Uri uri, string model, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = await StartAsync(HttpMethod.Get, uri, null, model, stream: true, cancellationToken).ConfigureAwait(false);
        Stream body;
        try
        {
            body = await call.Response!.Content.ReadAsStreamAsync(call.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (call.Translate(ex) is { } failure)
        {
            throw call.Failed(failure);
        }

        using var reader = new StreamReader(body, System.Text.Encoding.UTF8);
        int number = 0;
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(call.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (call.Translate(ex) is { } failure)
            {
                throw call.Failed(failure);
            }

            if (line is null)
            {
                yield break;
            }

            number++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return (number, line);
            }
        }
    }

    /// <summary>The facts a failure of a call about <paramref name="model"/> carries, for translating failures reported inside a body (batch results).</summary>
    public ProviderFailures.CallInfo CallInfo(string? model) => new(_provider, _displayName, model, _apiKey);

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    internal LlmException Failed(LlmException failure)
    {
        _logger.LogWarning(
            "{Provider} call to model {Model} failed: {Kind}, status {Status}, request id {RequestId}, retry after {RetryAfter}.",
            failure.Provider, failure.Model, failure.Kind, failure.StatusCode, failure.RequestId, failure.RetryAfter);
        return failure;
    }

    private static JsonElement? ErrorObjectOf(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object ? error : null;

    private static bool IsShapeError(Exception ex) =>
        ex is InvalidOperationException or KeyNotFoundException or JsonException or IndexOutOfRangeException or FormatException;

    /// <summary>Sends a request; on success returns the open response, whose body the caller reads within <see cref="ProviderCall.Token"/>.</summary>
    private static HttpContent JsonContent(ReadOnlyMemory<byte> body)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    private async Task<ProviderCall> StartAsync(HttpMethod method, Uri uri, HttpContent? content, string model, bool stream, CancellationToken cancellationToken)
    {
        var info = new ProviderFailures.CallInfo(_provider, _displayName, model, _apiKey);
        var timeout = new CancellationTokenSource(_requestTimeout, _timeProvider);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var call = new ProviderCall(this, info, timeout, linked, cancellationToken);
        _logger.LogDebug("Calling {Provider} model {Model} (streaming: {Stream}).", _provider, model, stream);
        var request = new HttpRequestMessage(method, uri) { Content = content };
        call.Request = request;
        foreach (var (name, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            HttpResponseMessage response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            call.Response = response;
            call.RequestId = RateLimitHeaders.RequestIdOf(response.Headers);
            if (!response.IsSuccessStatusCode)
            {
                throw Failed(await ProviderFailures.FromResponseAsync(response, info, _timeProvider, linked.Token).ConfigureAwait(false));
            }

            return call;
        }
        catch (Exception ex) when (call.Translate(ex) is { } failure)
        {
            call.Dispose();
            throw Failed(failure);
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }
}
