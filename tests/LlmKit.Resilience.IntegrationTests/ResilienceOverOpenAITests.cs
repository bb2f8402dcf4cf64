using System.Diagnostics;
using System.Text.Json;
using LlmKit.Errors;
using LlmKit.Providers.OpenAI;
using LlmKit.Providers.Tests.Loopback;
using LlmKit.Resilience;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Resilience.IntegrationTests;

/// <summary>
/// The resilience stage over the real OpenAI provider and a misbehaving HTTP server on 127.0.0.1. These run on real
/// time with second-scale settings (Retry-After has one-second resolution); they assert lower bounds and outcomes,
/// never upper bounds on elapsed time.
/// </summary>
public sealed class ResilienceOverOpenAITests
{
    [Fact]
    public async Task A_429_with_Retry_After_is_honoured_before_the_retry_succeeds()
    {
        var arrivals = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            int n;
            lock (arrivals)
            {
                arrivals.Add(clock.Elapsed);
                n = arrivals.Count;
            }

            if (n == 1)
            {
                await channel.SendAsync(429, [new("Retry-After", "1"), new("x-request-id", "req_1")], ErrorBody("rate_limit_exceeded"));
            }
            else
            {
                await channel.SendAsync(200, null, Completion("Paris"));
            }
        });
        using var services = Build(server, o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(1));

        var response = await services.GetRequiredService<IChatClient>().GetResponseAsync("Capital of France?");

        Assert.Equal("Paris", response.Text);
        Assert.Equal(2, arrivals.Count);
        Assert.True(arrivals[1] - arrivals[0] >= TimeSpan.FromSeconds(0.95), $"retried after {arrivals[1] - arrivals[0]}");
    }

    [Fact]
    public async Task A_burst_of_503s_is_retried_to_success()
    {
        int count = 0;
        await using var server = new LoopbackServer((_, channel) => Interlocked.Increment(ref count) <= 2
            ? channel.SendAsync(503, null, ErrorBody("overloaded"))
            : channel.SendAsync(200, null, Completion("back")));
        using var services = Build(server, o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(10));

        var response = await services.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal("back", response.Text);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_server_that_stalls_past_the_attempt_timeout_is_abandoned_and_retried()
    {
        int count = 0;
        await using var server = new LoopbackServer((_, channel) => Interlocked.Increment(ref count) == 1
            ? channel.StallAsync()
            : channel.SendAsync(200, null, Completion("second try")));
        using var services = Build(server, o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(10);
            o.Timeout.AttemptTimeout = TimeSpan.FromMilliseconds(500);
        });

        var response = await services.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        Assert.Equal("second try", response.Text);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_disconnect_after_the_first_streamed_chunk_surfaces_as_an_error_without_a_retry_or_duplicated_text()
    {
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            await channel.StartChunkedAsync(200, null);
            await channel.WriteChunkAsync(System.Text.Encoding.UTF8.GetBytes(Delta("Hello ")));
            await Task.Delay(50);
            channel.Reset();
        });
        using var services = Build(server, o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(10);
            o.Fallback.DegradedResponseText = "must not appear after text was shown";
        });
        var received = new List<string>();

        var error = await Assert.ThrowsAsync<LlmException>(async () =>
        {
            await foreach (var update in services.GetRequiredService<IChatClient>().GetStreamingResponseAsync("hi"))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal(LlmErrorKind.Network, error.Kind);
        Assert.Equal("Hello ", string.Concat(received));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task A_stream_that_fails_before_its_first_chunk_is_retried()
    {
        int count = 0;
        await using var server = new LoopbackServer(async (_, channel) =>
        {
            if (Interlocked.Increment(ref count) == 1)
            {
                channel.Reset();
                return;
            }

            await channel.StartChunkedAsync(200, null);
            await channel.WriteChunkAsync(System.Text.Encoding.UTF8.GetBytes(Delta("Hello ") + Delta("world") + Finish()));
            await channel.EndChunkedAsync();
        });
        using var services = Build(server, o => o.Retry.BaseDelay = TimeSpan.FromMilliseconds(10));

        var text = string.Concat(await services.GetRequiredService<IChatClient>().GetStreamingResponseAsync("hi").Select(u => u.Text).ToListAsync());

        Assert.Equal("Hello world", text);
        Assert.Equal(2, server.Requests.Count);
    }

    private static ServiceProvider Build(LoopbackServer server, Action<ResilienceOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddChatClient("openai", _ => new OpenAIChatClient(new OpenAIProviderOptions
            {
                ApiKey = "sk-test-not-a-secret",
                Endpoint = new Uri(server.BaseUri, "v1/"),
                Model = "test-model",
            }))
            .UseResilience(configure);
        return services.BuildServiceProvider();
    }

    private static string ErrorBody(string type) =>
        JsonSerializer.Serialize(new { error = new { message = "scripted failure", type, code = type } });

    private static string Completion(string text) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-1",
        @object = "chat.completion",
        model = "test-model",
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 5, completion_tokens = 1, total_tokens = 6 },
    });

    private static string Delta(string text) =>
        "data: " + JsonSerializer.Serialize(new { id = "chatcmpl-1", model = "test-model", choices = new[] { new { index = 0, delta = new { content = text }, finish_reason = (string?)null } } }) + "\n\n";

    private static string Finish() =>
        "data: " + JsonSerializer.Serialize(new { id = "chatcmpl-1", model = "test-model", choices = new[] { new { index = 0, delta = new { content = (string?)null }, finish_reason = "stop" } } }) + "\n\ndata: [DONE]\n\n";
}
