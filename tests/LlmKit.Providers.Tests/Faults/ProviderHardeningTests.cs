using System.Globalization;
using System.Text.Json.Nodes;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Providers.Tests.Loopback;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Providers.Tests.Faults;

/// <summary>
/// What real provider answers do that the happy path never shows: account identifiers in error messages, rate limits
/// that no wait can fix, text that is not valid UTF-16, bodies that are not JSON behind a 200, refusals in history.
/// </summary>
public sealed class ProviderHardeningTests
{
    private const string OpenAIOrganization = "org-2XOTIyKAeXtTJMfkYm5Mm8Qv";
    private const string AnthropicOrganization = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<ProviderKind> Providers => new() { ProviderKind.OpenAI, ProviderKind.Anthropic };

    [Theory]
    [InlineData(ProviderKind.OpenAI, $"Rate limit reached for gpt-4o in organization {OpenAIOrganization} on tokens per min (TPM): Limit 30000, Used 29500, Requested 900. Please try again in 1.2s.", OpenAIOrganization)]
    [InlineData(ProviderKind.OpenAI, "You exceeded your project proj_E0jtRNqI6w9TZC1hoWHe4GtV budget.", "proj_E0jtRNqI6w9TZC1hoWHe4GtV")]
    [InlineData(ProviderKind.Anthropic, $"This request would exceed the rate limit for your organization (org: {AnthropicOrganization}) of 40,000 input tokens per minute.", AnthropicOrganization)]
    [InlineData(ProviderKind.Anthropic, $"This request would exceed the rate limit for your organization ({AnthropicOrganization}) of 50 requests per minute.", AnthropicOrganization)]
    public async Task Account_identifiers_in_error_bodies_stay_out_of_the_message_and_go_to_a_property(ProviderKind kind, string providerMessage, string accountId)
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(429, [new("retry-after", "1")],
            ProviderHarness.ErrorBody(kind, kind == ProviderKind.OpenAI ? "rate_limit_exceeded" : "rate_limit_error", providerMessage)));
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming: false);

        Assert.DoesNotContain(accountId, ex.ToString(), StringComparison.Ordinal);
        Assert.Contains("[account id]", ex.Message, StringComparison.Ordinal);
        Assert.Equal(accountId, ex.ProviderAccountId);
        Assert.Equal(LlmErrorKind.RateLimited, ex.Kind);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task An_account_identifier_in_an_error_event_inside_a_stream_stays_out_of_the_message()
    {
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            await channel.StartChunkedAsync(200, null);
            await channel.WriteChunkAsync(ProviderHarness.Bytes(ProviderHarness.StreamError(ProviderKind.Anthropic, "rate_limit_error",
                $"Your organization (org: {AnthropicOrganization}) is over its output token limit.")));
            await channel.EndChunkedAsync();
        });
        using var client = ProviderHarness.Create(ProviderKind.Anthropic, server.BaseUri);

        var ex = await CallAsync(client, streaming: true);

        Assert.DoesNotContain(AnthropicOrganization, ex.Message, StringComparison.Ordinal);
        Assert.Equal(AnthropicOrganization, ex.ProviderAccountId);
        Assert.Equal(200, ex.StatusCode);
    }

    [Fact]
    public async Task A_request_larger_than_the_tokens_per_minute_limit_is_not_retryable_and_takes_no_wait_from_a_limit_with_room()
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(429,
        [
            new("x-ratelimit-limit-requests", "10000"), new("x-ratelimit-remaining-requests", "9999"), new("x-ratelimit-reset-requests", "12ms"),
            new("x-ratelimit-limit-tokens", "2000000"), new("x-ratelimit-remaining-tokens", "2000000"), new("x-ratelimit-reset-tokens", "0s"),
        ], ProviderHarness.ErrorBody(ProviderKind.OpenAI, "rate_limit_exceeded",
            $"Request too large for gpt-4.1 in organization {OpenAIOrganization} on tokens per min (TPM): Limit 2000000, Requested 2500013. The input or output tokens must be reduced in order to run successfully.")));
        using var client = ProviderHarness.Create(ProviderKind.OpenAI, server.BaseUri);

        var ex = await CallAsync(client, streaming: false);

        Assert.Equal(LlmErrorKind.RateLimited, ex.Kind); // a fallback to another account or provider can still take it
        Assert.False(ex.IsTransient);
        Assert.Equal(LlmNonRetryableReason.RequestExceedsLimit, ex.NonRetryableReason);
        Assert.Null(ex.RetryAfter);
        Assert.Contains("waiting does not help", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_wait_comes_only_from_the_exhausted_limit_never_from_one_with_room()
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(429,
        [
            new("x-ratelimit-remaining-requests", "4999"), new("x-ratelimit-reset-requests", "12ms"),
            new("x-ratelimit-remaining-tokens", "0"), new("x-ratelimit-reset-tokens", "2.5s"),
        ], ProviderHarness.ErrorBody(ProviderKind.OpenAI, "rate_limit_exceeded", "Rate limit reached on tokens per min (TPM): Limit 30000, Used 30000, Requested 900.")));
        await using var noneExhausted = new LoopbackServer((_, channel) => channel.SendAsync(429,
            [new("x-ratelimit-remaining-requests", "4999"), new("x-ratelimit-reset-requests", "12ms")],
            ProviderHarness.ErrorBody(ProviderKind.OpenAI, "rate_limit_exceeded", "Rate limit reached.")));
        using var client = ProviderHarness.Create(ProviderKind.OpenAI, server.BaseUri);
        using var other = ProviderHarness.Create(ProviderKind.OpenAI, noneExhausted.BaseUri);

        var tokens = await CallAsync(client, streaming: false);
        var unknown = await CallAsync(other, streaming: true);

        Assert.Equal(TimeSpan.FromSeconds(2.5), tokens.RetryAfter);
        Assert.True(tokens.IsTransient); // Used + Requested over the limit: the next minute has room
        Assert.Null(unknown.RetryAfter); // the resilience stage's own backoff decides, not a 12 ms reset of a limit with room
        Assert.True(unknown.IsTransient);
    }

    [Theory]
    [InlineData(ProviderKind.Anthropic, 529, "overloaded_error")]
    [InlineData(ProviderKind.OpenAI, 500, "server_error")]
    public async Task X_should_retry_false_makes_a_transient_kind_not_retryable(ProviderKind kind, int status, string type)
    {
        var time = new FakeTimeProvider(Now);
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(status, [new("x-should-retry", "false")], ProviderHarness.ErrorBody(kind, type, "Do not retry this.")));
        await using var retryable = new LoopbackServer((_, channel) => channel.SendAsync(status, [new("x-should-retry", "true")], ProviderHarness.ErrorBody(kind, type, "Try again.")));
        using var client = ProviderHarness.Create(kind, server.BaseUri, time);
        using var other = ProviderHarness.Create(kind, retryable.BaseUri, time);

        var ex = await CallAsync(client, streaming: false);
        var again = await CallAsync(other, streaming: false);

        Assert.False(ex.IsTransient);
        Assert.Equal(LlmNonRetryableReason.ProviderAdvisedAgainstRetry, ex.NonRetryableReason);
        Assert.True(again.IsTransient);
        Assert.Null(again.NonRetryableReason);
    }

    [Fact]
    public async Task The_resilience_stage_sends_a_request_too_large_for_the_limit_once()
    {
        int calls = 0;
        await using var server = new LoopbackServer((_, channel) =>
        {
            Interlocked.Increment(ref calls);
            return channel.SendAsync(429, [new("x-ratelimit-remaining-requests", "99"), new("x-ratelimit-reset-requests", "12ms")],
                ProviderHarness.ErrorBody(ProviderKind.OpenAI, "rate_limit_exceeded", "Request too large for gpt-4.1 on tokens per min (TPM): Limit 2000000, Requested 2500013."));
        });
        using var host = Pipeline(server);

        var ex = await Assert.ThrowsAsync<LlmException>(() => host.Services.GetRequiredKeyedService<IChatClient>("gpt").GetResponseAsync("Hi"));

        Assert.Equal(LlmNonRetryableReason.RequestExceedsLimit, ex.NonRetryableReason);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task An_emoji_split_across_two_OpenAI_stream_deltas_is_joined()
    {
        string stream = string.Concat(
            Delta("""{"content":"Hi \ud83d"}"""),
            Delta("""{"content":"\ude00!"}"""),
            Delta("""{"reasoning_content":"\ud83e"}"""),
            Delta("""{"reasoning_content":"\udd14"}"""),
            """data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""" + "\n\n",
            "data: [DONE]\n\n");
        await using var server = Sse(stream);
        using var client = ProviderHarness.Create(ProviderKind.OpenAI, server.BaseUri);

        var updates = await ReadAllAsync(client);
        var response = updates.ToChatResponse();

        Assert.Equal("Hi \U0001F600!", response.Text);
        Assert.Equal("\U0001F914", string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text)));
        Assert.DoesNotContain(updates, u => u.Text.Length > 0 && char.IsSurrogate(u.Text[^1]) && !char.IsLowSurrogate(u.Text[^1]));
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task An_emoji_split_across_two_Anthropic_text_deltas_is_joined()
    {
        // Written by hand: System.Text.Json would never write a lone surrogate, so the harness cannot produce one.
        var events = ProviderHarness.TextStream(ProviderKind.Anthropic, complete: true, "A", "B");
        events[2] = "event: content_block_delta\ndata: " + """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi \ud83d"}}""" + "\n\n";
        events[3] = "event: content_block_delta\ndata: " + """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\ude00!"}}""" + "\n\n";
        await using var server = Sse(string.Concat(events));
        using var client = ProviderHarness.Create(ProviderKind.Anthropic, server.BaseUri);

        var response = (await ReadAllAsync(client)).ToChatResponse();

        Assert.Equal("Hi \U0001F600!", response.Text);
    }

    [Fact]
    public async Task Text_that_is_truly_invalid_in_a_stream_becomes_the_replacement_character()
    {
        string stream = string.Concat(
            Delta("""{"content":"a\ude00b"}"""),
            Delta("""{"content":"c\ud83d"}"""),
            Delta("""{"content":"d"}"""),
            Delta("""{"content":"e\ud83d"}"""),
            """data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""" + "\n\n",
            "data: [DONE]\n\n");
        await using var server = Sse(stream);
        using var client = ProviderHarness.Create(ProviderKind.OpenAI, server.BaseUri);

        var response = (await ReadAllAsync(client)).ToChatResponse();

        Assert.Equal("a\uFFFDbc\uFFFDde\uFFFD", response.Text);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_lone_surrogate_in_a_complete_answer_becomes_the_replacement_character_and_is_sent_once(ProviderKind kind)
    {
        string body = kind == ProviderKind.OpenAI
            ? """{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok \ud83d","refusal":null},"finish_reason":"stop"}]}"""
            : """{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok \ud83d"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}""";
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(200, null, body));
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var response = await client.GetResponseAsync("Hi");

        Assert.Equal("ok \uFFFD", response.Text);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task The_resilience_stage_does_not_resend_an_answer_with_a_lone_surrogate()
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(200, null,
            """{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"\ude00 fine"},"finish_reason":"stop"}]}"""));
        using var host = Pipeline(server);

        var response = await host.Services.GetRequiredKeyedService<IChatClient>("gpt").GetResponseAsync("Hi");

        Assert.Equal("\uFFFD fine", response.Text);
        Assert.Single(server.Requests);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_200_whose_body_is_HTML_keeps_its_status_and_says_what_the_body_was(ProviderKind kind)
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(200, null, "<html><body>Sign in to the proxy</body></html>", "text/html"));
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming: false);

        Assert.Equal(LlmErrorKind.ServerError, ex.Kind);
        Assert.Equal(200, ex.StatusCode);
        Assert.Contains("text/html", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<html>", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Failures_after_a_200_keep_the_status_truncated_JSON_and_a_cut_stream(ProviderKind kind)
    {
        await using var truncated = new LoopbackServer((_, channel) => channel.SendAsync(200, null, """{"id":"x","choices":[{"message":"""));
        await using var cut = new LoopbackServer(async (_, channel) =>
        {
            await channel.StartChunkedAsync(200, null);
            await channel.WriteChunkAsync(ProviderHarness.Bytes(ProviderHarness.TextStream(kind, complete: false, "Hel")[0]));
            channel.Reset();
        });
        using var a = ProviderHarness.Create(kind, truncated.BaseUri);
        using var b = ProviderHarness.Create(kind, cut.BaseUri);

        var failures = new[] { await CallAsync(a, streaming: false), await CallAsync(b, streaming: true) };

        Assert.All(failures, f => Assert.Equal(200, f.StatusCode));
        Assert.Equal(LlmErrorKind.ServerError, failures[0].Kind);
        Assert.Equal(LlmErrorKind.Network, failures[1].Kind);
    }

    [Theory]
    [InlineData(ProviderKind.OpenAI, false, """{"id":"c","choices":[{"index":0,"message":{"role":"assistant","tool_calls":[{"id":"1","type":"function"}]},"finish_reason":"tool_calls"}]}""")]
    [InlineData(ProviderKind.OpenAI, true, """data: {"id":"c","choices":[{"index":1e20,"delta":{"content":"x"}}]}""" + "\n\n")]
    [InlineData(ProviderKind.Anthropic, true, "event: message_start\ndata: " + """{"type":"message_start","message":"not an object"}""" + "\n\n")]
    public async Task A_200_answer_of_an_unexpected_shape_is_a_server_error_with_the_status_not_a_raw_exception(ProviderKind kind, bool streaming, string body)
    {
        await using var server = streaming ? Sse(body) : new LoopbackServer((_, channel) => channel.SendAsync(200, null, body));
        using var client = ProviderHarness.Create(kind, server.BaseUri);

        var ex = await CallAsync(client, streaming);

        Assert.Equal(LlmErrorKind.ServerError, ex.Kind);
        Assert.Equal(200, ex.StatusCode);
        Assert.Contains("unexpected shape", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_OpenAI_refusal_in_the_history_is_sent_as_the_assistants_refusal()
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(200, null,
            """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}"""));
        using var client = ProviderHarness.Create(ProviderKind.OpenAI, server.BaseUri);

        await client.GetResponseAsync(
        [
            new(ChatRole.User, "Something harmful"),
            new(ChatRole.Assistant, [Refusals.Create("I can't help with that.")]),
            new(ChatRole.User, "Why not?"),
        ]);

        var assistant = server.Requests[0].Json!["messages"]![1]!.AsObject();
        Assert.Equal("I can't help with that.", (string?)assistant["refusal"]);
        Assert.True(assistant.ContainsKey("content"));
        Assert.Null(assistant["content"]);
    }

    [Fact]
    public async Task An_OpenAI_refusal_streamed_back_from_a_response_goes_back_in_the_next_turn()
    {
        string stream = string.Concat(
            Delta("""{"refusal":"I can't "}"""),
            Delta("""{"refusal":"do that."}"""),
            """data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""" + "\n\n",
            "data: [DONE]\n\n");
        int n = 0;
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            if (Interlocked.Increment(ref n) == 1)
            {
                await channel.StartChunkedAsync(200, null);
                await channel.WriteChunkAsync(ProviderHarness.Bytes(stream));
                await channel.EndChunkedAsync();
                return;
            }

            await channel.SendAsync(200, null, """{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}""");
        });
        using var client = ProviderHarness.Create(ProviderKind.OpenAI, server.BaseUri);
        List<ChatMessage> history = [new(ChatRole.User, "Something harmful")];

        history.AddRange((await ReadAllAsync(client, history)).ToChatResponse().Messages);
        history.Add(new(ChatRole.User, "Why not?"));
        await client.GetResponseAsync(history);

        Assert.Equal("I can't do that.", (string?)server.Requests[1].Json!["messages"]![1]!["refusal"]);
    }

    [Fact]
    public async Task An_Anthropic_refusal_in_the_history_is_sent_back_as_the_assistants_text()
    {
        await using var server = new LoopbackServer((_, channel) => channel.SendAsync(200, null,
            """{"id":"m","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}"""));
        using var client = ProviderHarness.Create(ProviderKind.Anthropic, server.BaseUri);

        await client.GetResponseAsync(
        [
            new(ChatRole.User, "Something harmful"),
            new(ChatRole.Assistant, [Refusals.Create("I can't help with that.")]),
            new(ChatRole.User, "Why not?"),
        ]);

        var assistant = server.Requests[0].Json!["messages"]![1]!;
        Assert.Equal("assistant", (string?)assistant["role"]);
        Assert.Equal("I can't help with that.", (string?)assistant["content"]);
    }

    private static string Delta(string delta) =>
        $$"""data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{{delta}},"finish_reason":null}]}""" + "\n\n";

    private static LoopbackServer Sse(string stream) => new(async (_, channel) =>
    {
        await channel.StartChunkedAsync(200, null);
        await channel.WriteChunkAsync(ProviderHarness.Bytes(stream));
        await channel.EndChunkedAsync();
    });

    private static async Task<List<ChatResponseUpdate>> ReadAllAsync(IChatClient client, IEnumerable<ChatMessage>? messages = null)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(messages ?? [new(ChatRole.User, "Hi")]))
        {
            updates.Add(update);
        }

        return updates;
    }

    private static IHost Pipeline(LoopbackServer server)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:OpenAI:gpt:Endpoint"] = new Uri(server.BaseUri, "v1/").ToString(),
            ["LlmKit:OpenAI:gpt:Model"] = "m",
            ["LlmKit:OpenAI:gpt:ApiKey"] = ProviderHarness.ApiKey,
        });
        builder.Services.AddLlmKit().AddOpenAI("gpt").UseResilience();
        return builder.Build();
    }

    private static Task<LlmException> CallAsync(IChatClient client, bool streaming) => ProviderHarness.FailingCallAsync(client, streaming);
}
