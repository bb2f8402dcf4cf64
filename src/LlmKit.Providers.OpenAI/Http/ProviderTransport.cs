using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmKit.Errors;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.Http;

/// <summary>
/// Sends one provider request with a per-request timeout measured on a <see cref="TimeProvider"/>, and turns every
/// way it can fail into an <see cref="LlmException"/>. The caller's own cancellation stays an
/// <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class ProviderTransport(HttpClient httpClient, TimeProvider timeProvider, TimeSpan requestTimeout, ILogger logger)
{
    /// <summary>Sends a request; on success returns the open response, whose body the caller reads within <see cref="ProviderCall.Token"/>.</summary>
    public async Task<ProviderCall> SendAsync(
        HttpRequestMessage request, ProviderFailures.CallInfo call, bool stream, CancellationToken cancellationToken)
    {
        var timeout = new CancellationTokenSource(requestTimeout, timeProvider);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var result = new ProviderCall(this, call, timeout, linked, cancellationToken);
        logger.LogDebug("Calling {Provider} model {Model} (streaming: {Stream}).", call.Provider, call.Model, stream);
        try
        {
            HttpResponseMessage response = await httpClient
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token)
                .ConfigureAwait(false);
            result.Response = response;
            result.RequestId = ProviderFailures.RequestIdOf(response.Headers);
            if (!response.IsSuccessStatusCode)
            {
                var failure = await ProviderFailures.FromResponseAsync(response, call, timeProvider, linked.Token).ConfigureAwait(false);
                throw Failed(failure);
            }

            return result;
        }
        catch (Exception ex) when (result.Translate(ex) is { } failure)
        {
            result.Dispose();
            throw Failed(failure);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    internal LlmException Failed(LlmException failure)
    {
        logger.LogWarning(
            "{Provider} call to model {Model} failed: {Kind}, status {Status}, request id {RequestId}, retry after {RetryAfter}.",
            failure.Provider, failure.Model, failure.Kind, failure.StatusCode, failure.RequestId, failure.RetryAfter);
        return failure;
    }
}

/// <summary>One request in flight: its response, its timeout and how to translate its failures.</summary>
internal sealed class ProviderCall(
    ProviderTransport transport,
    ProviderFailures.CallInfo call,
    CancellationTokenSource timeout,
    CancellationTokenSource linked,
    CancellationToken callerToken) : IDisposable
{
    public HttpResponseMessage? Response { get; set; }

    public string? RequestId { get; set; }

    public ProviderFailures.CallInfo Info => call;

    public CancellationToken Token => linked.Token;

    public LlmException? Translate(Exception exception) => exception is LlmException
        ? null
        : ProviderFailures.FromException(exception, call, RequestId, timeout.IsCancellationRequested && !callerToken.IsCancellationRequested, callerToken);

    public LlmException Failed(LlmException failure) => transport.Failed(failure);

    /// <summary>Reads the whole body as one JSON document.</summary>
    public async Task<JsonDocument> ReadJsonAsync()
    {
        try
        {
            using var body = await Response!.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
            return await JsonDocument.ParseAsync(body, default, Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } failure)
        {
            throw Failed(failure);
        }
    }

    /// <summary>
    /// Reads the body as Server-Sent Events, parsing each <c>data</c> payload as JSON (<c>[DONE]</c> and empty
    /// payloads yield <see langword="null"/> data).
    /// </summary>
    public async IAsyncEnumerable<SseItem<JsonElement?>> ReadEventsAsync()
    {
        Stream body;
        try
        {
            body = await Response!.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex) is { } failure)
        {
            throw Failed(failure);
        }

        await using (body.ConfigureAwait(false))
        {
            var parser = SseParser.Create(body, static (type, data) =>
            {
                // Anthropic pads events with spaces after the JSON; [DONE] is OpenAI's end marker.
                var trimmed = data.Trim(" \t\r\n"u8);
                if (trimmed.IsEmpty || trimmed.SequenceEqual("[DONE]"u8))
                {
                    return (JsonElement?)null;
                }

                var reader = new Utf8JsonReader(trimmed);
                return JsonElement.ParseValue(ref reader);
            });
            var events = parser.EnumerateAsync(Token).GetAsyncEnumerator(Token);
            await using (events.ConfigureAwait(false))
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await events.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex) when (Translate(ex) is { } failure)
                    {
                        throw Failed(failure);
                    }

                    if (!more)
                    {
                        yield break;
                    }

                    yield return events.Current;
                }
            }
        }
    }

    public void Dispose()
    {
        Response?.Dispose();
        linked.Dispose();
        timeout.Dispose();
    }
}

/// <summary>Small async-enumerable helpers.</summary>
internal static class ProviderStreams
{
    /// <summary>Wraps a stream of updates so that the call is disposed when the consumer stops, however it stops.</summary>
    public static async IAsyncEnumerable<T> Owning<T>(ProviderCall call, IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using (call)
        {
            await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }
}
