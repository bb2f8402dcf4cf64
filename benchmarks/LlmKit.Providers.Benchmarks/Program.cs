using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LlmKit.Providers.OpenAI;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

// Client-side cost of one chat call (request writing, HTTP plumbing, response or SSE parsing) for LlmKit's OpenAI
// provider and the official OpenAI SDK, both served the same recorded bytes by an in-memory handler: no network.
BenchmarkRunner.Run<ProviderOverhead>(
    DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8)),
    args);

[MemoryDiagnoser]
public class ProviderOverhead
{
    private byte[] _completion = [];
    private byte[] _stream = [];
    private OpenAIChatClient _llmKit = null!;
    private OpenAIChatClient _llmKitStream = null!;
    private ChatClient _sdk = null!;
    private ChatClient _sdkStream = null!;

    [GlobalSetup]
    public void Setup()
    {
        string peers = FindPeers();
        _completion = Body(Path.Combine(peers, "openai", "dotnet-hello-world.json"));
        _stream = Body(Path.Combine(peers, "openai", "dotnet-streaming-logprobs.json")); // 263 KB, ~1,000 chunks
        Console.WriteLine($"# completion body {_completion.Length} bytes; stream body {_stream.Length} bytes");
        _llmKit = LlmKit(_completion, "application/json");
        _llmKitStream = LlmKit(_stream, "text/event-stream");
        _sdk = Sdk(_completion, "application/json");
        _sdkStream = Sdk(_stream, "text/event-stream");
    }

    [Benchmark(Baseline = true, Description = "OpenAI SDK 2.15 CompleteChatAsync")]
    public async Task<string> Sdk_complete() => (await _sdk.CompleteChatAsync([new UserChatMessage("Hello")])).Value.Content[0].Text;

    [Benchmark(Description = "LlmKit GetResponseAsync")]
    public async Task<string> LlmKit_complete() => (await _llmKit.GetResponseAsync("Hello")).Text;

    [Benchmark(Description = "OpenAI SDK 2.15 CompleteChatStreamingAsync")]
    public async Task<int> Sdk_stream()
    {
        int n = 0;
        await foreach (var update in _sdkStream.CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                n += part.Text.Length;
            }
        }

        return n;
    }

    [Benchmark(Description = "LlmKit GetStreamingResponseAsync")]
    public async Task<int> LlmKit_stream()
    {
        int n = 0;
        await foreach (var update in _llmKitStream.GetStreamingResponseAsync("Hello"))
        {
            n += update.Text.Length;
        }

        return n;
    }

    private static OpenAIChatClient LlmKit(byte[] body, string type) =>
        new(new OpenAIProviderOptions { ApiKey = "sk-bench", Model = "gpt-4o-mini" }, new HttpClient(new Canned(body, type)));

    private static ChatClient Sdk(byte[] body, string type) =>
        new("gpt-4o-mini", new ApiKeyCredential("sk-bench"), new OpenAIClientOptions
        {
            Transport = new HttpClientPipelineTransport(new HttpClient(new Canned(body, type))),
            RetryPolicy = new ClientRetryPolicy(0),
        });

    private static byte[] Body(string path) =>
        Encoding.UTF8.GetBytes((string)JsonNode.Parse(File.ReadAllText(path))!["interactions"]![0]!["response"]!["body"]!);

    private static string FindPeers()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmKit.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "data", "provider-recordings");
            }
        }

        throw new DirectoryNotFoundException("No LlmKit.sln above the benchmark; the recordings live in the repository at tests/data/provider-recordings.");
    }

    private sealed class Canned(byte[] body, string type) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                await request.Content.ReadAsByteArrayAsync(cancellationToken); // both clients pay for writing the request
            }

            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }
    }
}
