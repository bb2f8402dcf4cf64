using System.Globalization;
using LlmKit.Errors;
using LlmKit.Providers.Tests.Loopback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Providers.Tests.Faults;

/// <summary>
/// A misbehaving loopback server: every way a real API, proxy or network fails must end in an
/// <see cref="LlmException"/> that says what happened (kind, status, Retry-After, request id, model, provider),
/// or, for the caller's own cancellation, in an <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class ProviderFaultTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<ProviderKind> Providers => new() { ProviderKind.OpenAI, ProviderKind.Anthropic };

    public static TheoryData<ProviderKind, bool> ProvidersAndModes => new()
    {
        { ProviderKind.OpenAI, false }, { ProviderKind.OpenAI, true }, { ProviderKind.Anthropic, false }, { ProviderKind.Anthropic, true },
    };

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task A_429_with_Retry_After_seconds_is_rate_limited_with_that_delay(ProviderKind kind, bool streaming)
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(429,
            [new("Retry-After", "7"), new(ProviderHarness.RequestIdHeader(kind), "req_429")],
            ProviderHarness.ErrorBody(kind, kind == ProviderKind.OpenAI ? "rate_limit_exceeded" : "rate_limit_error", "Slow down")));
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming);

        Assert.Equal(LlmErrorKind.RateLimited, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.Equal(429, ex.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
        Assert.Equal("req_429", ex.RequestId);
        Assert.Equal(ProviderHarness.Model, ex.Model);
        Assert.Equal(kind == ProviderKind.OpenAI ? "openai" : "anthropic", ex.Provider);
        Assert.Contains("Slow down", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_Retry_After_HTTP_date_is_measured_from_the_injected_clock(ProviderKind kind)
    {
        var time = new FakeTimeProvider(Now);
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(429,
            [new("Retry-After", Now.AddSeconds(30).ToString("r", CultureInfo.InvariantCulture))], ProviderHarness.ErrorBody(kind, "rate_limit_error", "later")));
        using var client = ProviderHarness.Create(kind, server.BaseUri, time);

        var ex = await CallAsync(client, streaming: false);

        Assert.Equal(LlmErrorKind.RateLimited, ex.Kind);
        Assert.Equal(TimeSpan.FromSeconds(30), ex.RetryAfter);
    }

    [Fact]
    public async Task OpenAI_rate_limit_reset_headers_give_the_wait_for_the_exhausted_limit()
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(429,
        [
            new("x-ratelimit-remaining-requests", "0"), new("x-ratelimit-reset-requests", "1.5s"),
            new("x-ratelimit-remaining-tokens", "5000"), new("x-ratelimit-reset-tokens", "6m0s"),
        ], ProviderHarness.ErrorBody(ProviderKind.OpenAI, "rate_limit_exceeded", "Rate limit reached for requests")));
        using var client = ProviderHarness.Create(ProviderKind.OpenAI, server.BaseUri);

        var ex = await CallAsync(client, streaming: false);

        Assert.Equal(TimeSpan.FromSeconds(1.5), ex.RetryAfter);
    }

    [Fact]
    public async Task Anthropic_rate_limit_reset_timestamps_give_the_wait_for_the_exhausted_limit()
    {
        var time = new FakeTimeProvider(Now);
        string At(int seconds) => Now.AddSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(429,
        [
            new("anthropic-ratelimit-requests-remaining", "10"), new("anthropic-ratelimit-requests-reset", At(50)),
            new("anthropic-ratelimit-input-tokens-remaining", "0"), new("anthropic-ratelimit-input-tokens-reset", At(20)),
        ], ProviderHarness.ErrorBody(ProviderKind.Anthropic, "rate_limit_error", "Number of input tokens has exceeded your per-minute rate limit")));
        using var client = ProviderHarness.Create(ProviderKind.Anthropic, server.BaseUri, time);

        var ex = await CallAsync(client, streaming: true);

        Assert.Equal(LlmErrorKind.RateLimited, ex.Kind);
        Assert.Equal(TimeSpan.FromSeconds(20), ex.RetryAfter);
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI, 500, "server_error", LlmErrorKind.ServerError)]
    [InlineData(ProviderKind.OpenAI, 502, "server_error", LlmErrorKind.ServerError)]
    [InlineData(ProviderKind.OpenAI, 503, "server_error", LlmErrorKind.Overloaded)]
    [InlineData(ProviderKind.Anthropic, 500, "api_error", LlmErrorKind.ServerError)]
    [InlineData(ProviderKind.Anthropic, 503, "api_error", LlmErrorKind.Overloaded)]
    [InlineData(ProviderKind.Anthropic, 529, "overloaded_error", LlmErrorKind.Overloaded)]
    public async Task Server_errors_keep_their_status_and_are_transient(ProviderKind kind, int status, string type, LlmErrorKind expected)
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(status,
            [new(ProviderHarness.RequestIdHeader(kind), "req_5xx")], ProviderHarness.ErrorBody(kind, type, "Something broke")));
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming: true);

        Assert.Equal(expected, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal("req_5xx", ex.RequestId);
        Assert.Equal(type, ex.ProviderErrorCode);
        Assert.Null(ex.RetryAfter);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_HTML_error_page_from_a_proxy_is_a_server_error_without_the_markup(ProviderKind kind)
    {
        const string page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(502, null, page, "text/html"));
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming: false);

        Assert.Equal(LlmErrorKind.ServerError, ex.Kind);
        Assert.Equal(502, ex.StatusCode);
        Assert.Contains("proxy", ex.Message, StringComparison.Ordinal);
        Assert.Contains("text/html", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<html>", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task A_connection_reset_before_any_response_is_a_network_failure(ProviderKind kind, bool streaming)
    {
        await using var server = new LoopbackServer((_, channel) =>
        {
            channel.Reset();
            return Task.CompletedTask;
        });
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming);

        Assert.Equal(LlmErrorKind.Network, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.Null(ex.StatusCode);
        Assert.NotNull(ex.InnerException);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_disconnect_in_the_middle_of_a_stream_fails_after_the_text_already_delivered(ProviderKind kind)
    {
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            await channel.StartChunkedAsync(200, [new(ProviderHarness.RequestIdHeader(kind), "req_mid")]);
            foreach (string e in ProviderHarness.TextStream(kind, complete: false, "Hel", "lo"))
            {
                await channel.WriteChunkAsync(ProviderHarness.Bytes(e));
            }

            channel.Reset();
        });
        using var client = ProviderHarness.Create(kind, server.BaseUri);
        var received = new List<string>();

        var ex = await Assert.ThrowsAsync<LlmException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync("Hi"))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal("Hello", string.Concat(received));
        Assert.Equal(LlmErrorKind.Network, ex.Kind);
        Assert.Equal("req_mid", ex.RequestId);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_stream_that_closes_cleanly_before_the_end_of_the_answer_is_not_taken_as_complete(ProviderKind kind)
    {
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            await channel.StartChunkedAsync(200, null);
            foreach (string e in ProviderHarness.TextStream(kind, complete: false, "Partial"))
            {
                await channel.WriteChunkAsync(ProviderHarness.Bytes(e));
            }

            await channel.EndChunkedAsync();
        });
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming: true);

        Assert.Equal(LlmErrorKind.Network, ex.Kind);
        Assert.Contains("ended before", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task Malformed_JSON_in_a_successful_response_is_a_server_error(ProviderKind kind, bool streaming)
    {
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            if (!streaming)
            {
                await channel.SendAsync(200, null, "{\"id\": \"x\", \"choices\": [{\"message\": ");
                return;
            }

            await channel.StartChunkedAsync(200, null);
            await channel.WriteChunkAsync(ProviderHarness.Bytes(ProviderHarness.TextStream(kind, complete: false, "ok")[0]));
            await channel.WriteChunkAsync(ProviderHarness.Bytes("data: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"te\n\n"));
            await channel.EndChunkedAsync();
        });
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming);

        Assert.Equal(LlmErrorKind.ServerError, ex.Kind);
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI, "server_error", LlmErrorKind.ServerError)]
    [InlineData(ProviderKind.Anthropic, "overloaded_error", LlmErrorKind.Overloaded)]
    public async Task An_error_event_inside_a_stream_is_translated_by_its_type(ProviderKind kind, string type, LlmErrorKind expected)
    {
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            await channel.StartChunkedAsync(200, [new(ProviderHarness.RequestIdHeader(kind), "req_event")]);
            await channel.WriteChunkAsync(ProviderHarness.Bytes(ProviderHarness.TextStream(kind, complete: false, "Hi")[0]));
            await channel.WriteChunkAsync(ProviderHarness.Bytes(ProviderHarness.StreamError(kind, type, "Overloaded")));
            await channel.EndChunkedAsync();
        });
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming: true);

        Assert.Equal(expected, ex.Kind);
        Assert.Equal(type, ex.ProviderErrorCode);
        Assert.Equal("req_event", ex.RequestId);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task A_stalled_server_gives_way_to_the_callers_cancellation(ProviderKind kind, bool streaming)
    {
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            if (streaming)
            {
                await channel.StartChunkedAsync(200, null);
                await channel.WriteChunkAsync(ProviderHarness.Bytes(ProviderHarness.TextStream(kind, complete: false, "first")[^1]));
            }

            await channel.StallAsync();
        });
        using var client = ProviderHarness.Create(kind, server.BaseUri);
        using var cts = new CancellationTokenSource();

        var call = Task.Run(async () =>
        {
            if (!streaming)
            {
                await client.GetResponseAsync("Hi", cancellationToken: cts.Token);
                return;
            }

            await foreach (var update in client.GetStreamingResponseAsync("Hi", cancellationToken: cts.Token))
            {
                if (update.Text == "first")
                {
                    await cts.CancelAsync(); // the stream is stalled from here on
                }
            }
        });
        await server.FirstRequest;
        if (!streaming)
        {
            await cts.CancelAsync();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Theory]
    [MemberData(nameof(ProvidersAndModes))]
    public async Task A_stall_past_the_request_timeout_is_a_timeout_measured_on_the_injected_clock(ProviderKind kind, bool streaming)
    {
        var time = new FakeTimeProvider(Now);
        await using var server = new LoopbackServer((_, channel) => channel.StallAsync());
        using var client = ProviderHarness.Create(kind, server.BaseUri, time, timeout: TimeSpan.FromSeconds(30));

        var call = CallAsync(client, streaming);
        await server.FirstRequest;
        time.Advance(TimeSpan.FromSeconds(31));
        var ex = await call;

        Assert.Equal(LlmErrorKind.Timeout, ex.Kind);
        Assert.True(ex.IsTransient);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_API_key_appears_in_no_exception_and_no_log_even_when_a_server_echoes_it(ProviderKind kind)
    {
        var logs = new LogSink();
        int n = 0;
        await using var server = new LoopbackServer(async (request, channel) =>
        {
            string sentKey = request.Header("x-api-key") ?? request.Header("Authorization")!.Replace("Bearer ", string.Empty, StringComparison.Ordinal);
            switch (Interlocked.Increment(ref n))
            {
                case 1:
                    await channel.SendAsync(401, null, ProviderHarness.ErrorBody(kind, "authentication_error", $"Incorrect API key provided: {sentKey}"));
                    break;
                case 2:
                    await channel.SendAsync(401, null, ProviderHarness.ErrorBody(kind, "invalid_api_key", $"Incorrect API key provided: {sentKey[..6]}*************{sentKey[^4..]}"));
                    break;
                case 3:
                    await channel.SendAsync(502, null, $"<html>upstream rejected key {sentKey}</html>", "text/html");
                    break;
                default:
                    channel.Reset();
                    break;
            }
        });
        using var client = ProviderHarness.Create(kind, server.BaseUri, logs: logs);

        var failures = new List<LlmException>();
        for (int i = 0; i < 4; i++)
        {
            failures.Add(await CallAsync(client, streaming: i % 2 == 1));
        }

        Assert.Equal([LlmErrorKind.Authentication, LlmErrorKind.Authentication, LlmErrorKind.ServerError, LlmErrorKind.Network], failures.Select(f => f.Kind));
        Assert.NotEmpty(logs.Entries);
        foreach (string text in failures.Select(f => f.ToString()).Concat(logs.Entries))
        {
            Assert.DoesNotContain(ProviderHarness.ApiKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(ProviderHarness.ApiKey[^4..], text, StringComparison.Ordinal);
        }
    }

    private static Task<LlmException> CallAsync(IChatClient client, bool streaming) => ProviderHarness.FailingCallAsync(client, streaming);
}
