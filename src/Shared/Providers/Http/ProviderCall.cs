using System.Net.ServerSentEvents;
using System.Text.Json;
using LlmKit.Errors;

namespace LlmKit.Providers;

/// <summary>One request in flight: its response, its timeout, and how its failures are translated.</summary>
internal sealed class ProviderCall(
    ProviderConnection connection,
    ProviderFailures.CallInfo info,
    CancellationTokenSource timeout,
    CancellationTokenSource linked,
    CancellationToken callerToken) : IDisposable
{
    /// <summary>Gets or sets the request, kept alive (and disposed) with the call.</summary>
    public HttpRequestMessage? Request { get; set; }

    public HttpResponseMessage? Response { get; set; }

    public string? RequestId { get; set; }

    public ProviderFailures.CallInfo Info => info;

    /// <summary>The status of the response, once there is one: every failure after that point keeps it.</summary>
    public int? Status => Response is { } response ? (int)response.StatusCode : null;

    public CancellationToken Token => linked.Token;

    public LlmException? Translate(Exception exception) =>
        ProviderFailures.FromException(exception, info, Response, RequestId, timeout.IsCancellationRequested && !callerToken.IsCancellationRequested, callerToken);

    public LlmException Failed(LlmException failure) => connection.Failed(failure);

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
    /// Reads the body as Server-Sent Events and parses each <c>data</c> payload as JSON; OpenAI's <c>[DONE]</c> marker
    /// becomes <see cref="ProviderEvent.Done"/>.
    /// </summary>
    public async IAsyncEnumerable<ProviderEvent> ReadEventsAsync()
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
            var parser = SseParser.Create(body, static (_, data) =>
            {
                // Anthropic pads events with spaces after the JSON; [DONE] is OpenAI's end marker.
                var trimmed = data.Trim(" \t\r\n"u8);
                if (trimmed.IsEmpty)
                {
                    return default;
                }

                if (trimmed.SequenceEqual("[DONE]"u8))
                {
                    return ProviderEvent.Done;
                }

                var reader = new Utf8JsonReader(trimmed);
                return new ProviderEvent(JsonElement.ParseValue(ref reader), false);
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

                    yield return events.Current.Data;
                }
            }
        }
    }

    public void Dispose()
    {
        Response?.Dispose();
        Request?.Dispose();
        linked.Dispose();
        timeout.Dispose();
    }
}
