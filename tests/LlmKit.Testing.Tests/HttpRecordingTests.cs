using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmKit.Providers.OpenAI;
using LlmKit.Testing.Recording;
using LlmKit.Tests.Shared;
using Microsoft.Extensions.AI;

namespace LlmKit.Testing.Tests;

public sealed class HttpRecordingTests
{
    private const string Key = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyz";

    public static TheoryData<string> SharedRecordings()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(TestData.PathOf("provider-recordings"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(TestData.PathOf("provider-recordings"), file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SharedRecordings))]
    public void Every_shared_provider_recording_round_trips_through_the_cassette_model(string file)
    {
        string path = TestData.PathOf("provider-recordings", file);
        var cassette = Cassette.Load(path);

        var written = JsonNode.Parse(cassette.ToJson());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(path)), written), $"{file} changed on a load and save");
        Assert.NotEmpty(cassette.Interactions);
        Assert.All(cassette.Interactions, i => Assert.StartsWith("https://", i.Request.Url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_shared_recording_replays_through_LlmKits_OpenAI_provider()
    {
        var cassette = Cassette.Load(TestData.PathOf("provider-recordings", "openai", "dotnet-hello-world.json"));
        using var client = OpenAI(new ReplayHttpHandler(cassette, CassetteMatching.InOrder));

        var response = await client.GetResponseAsync("Hello, world!");

        Assert.Equal("Hello! How can I assist you today?", response.Text);
        Assert.Equal((11, 9), (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount));
    }

    [Fact]
    public async Task A_recording_of_real_traffic_is_scrubbed_and_replays_by_request_through_the_provider()
    {
        // The "real" server is the shared recording; LlmKit's OpenAI client sends its own request with a real-looking key.
        var server = new ReplayHttpHandler(Cassette.Load(TestData.PathOf("provider-recordings", "openai", "dotnet-hello-world.json")), CassetteMatching.InOrder);
        var recorder = new RecordingHttpHandler(Cassette.Create("openai", "hello"), server);
        ChatResponse recorded;
        using (var client = OpenAI(recorder))
        {
            recorded = await client.GetResponseAsync("Hello, world!");
        }

        string file = Path.Combine(Path.GetTempPath(), $"llmkit-cassette-{Guid.NewGuid():N}.json");
        try
        {
            recorder.Cassette.Save(file);
            string json = await File.ReadAllTextAsync(file);
            Assert.DoesNotContain(Key, json, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-proj", json, StringComparison.Ordinal);
            var interaction = Assert.Single(Cassette.Load(file).Interactions);
            Assert.Equal("REDACTED", interaction.Request.Headers["Authorization"]);
            Assert.Equal("Hello, world!", (string?)interaction.Request.Body!["messages"]![0]!["content"]);
            Assert.DoesNotContain(interaction.Response.Headers, h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase));

            // Replayed by canonical key: the same request gets the recorded answer; another one fails loudly.
            using var replayed = OpenAI(new ReplayHttpHandler(Cassette.Load(file)));
            var again = await replayed.GetResponseAsync("Hello, world!");
            Assert.Equal(recorded.Text, again.Text);
            Assert.Equal(recorded.Usage!.TotalTokenCount, again.Usage!.TotalTokenCount);
            var error = await Assert.ThrowsAnyAsync<Exception>(() => replayed.GetResponseAsync("Hello, world?"));
            var unrecorded = error as UnrecordedRequestException ?? error.InnerException as UnrecordedRequestException;
            Assert.NotNull(unrecorded);
            Assert.Contains("world?", unrecorded.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Secrets_in_urls_headers_and_bodies_never_reach_the_cassette()
    {
        var echo = new EchoHandler();
        var recorder = new RecordingHttpHandler(Cassette.Create("http"), echo, new SecretScrubber(secretValues: ["my-own-secret-value"]));
        using var http = new HttpClient(recorder);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.test/v1/chat?api-key=abc123secret&x=1")
        {
            Content = new StringContent($$"""{"note":"key {{Key}} and my-own-secret-value","auth":"Bearer abcdefghijklmnopqrstuvwxyz"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("x-api-key", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz");
        using var response = await http.SendAsync(request);
        Assert.Contains(Key, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal); // the caller still gets the real body

        string json = recorder.Cassette.ToJson();
        foreach (string secret in new[] { Key, "my-own-secret-value", "abc123secret", "abcdefghijklmnopqrstuvwxyz" })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }

        Assert.Contains("api-key=REDACTED&x=1", json, StringComparison.Ordinal);
    }

    private static OpenAIChatClient OpenAI(HttpMessageHandler handler) =>
        new(new OpenAIProviderOptions { ApiKey = Key, Endpoint = new Uri("https://api.openai.com/v1/"), Model = "gpt-4o-mini" }, new HttpClient(handler));

    private sealed class EchoHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            new(HttpStatusCode.OK)
            {
                Content = new StringContent(await request.Content!.ReadAsStringAsync(cancellationToken), Encoding.UTF8, "application/json"),
            };
    }
}
