using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.ChatCompletion;
using LlmKit.Providers.OpenAI;
using LlmKit.Providers.Tests.Anthropic;
using LlmKit.Providers.Tests.Faults;
using LlmKit.Providers.Tests.Loopback;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests.OpenAI;

/// <summary>The Chat Completions mappings that the recordings do not show: images, forced tools, sampling settings, extras, streamed refusals.</summary>
public sealed class OpenAIChatClientTests
{
    private const string Reply = """{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}""";

    [Fact]
    public async Task Images_tool_choice_sampling_settings_and_extras_reach_the_wire()
    {
        await using var server = AnthropicChatClientTests.Canned(Reply);
        using var client = Client(server);
        byte[] png = [0x89, 0x50, 0x4E, 0x47];

        await client.GetResponseAsync(
        [
            new(ChatRole.User, [new TextContent("What is in these?"), new DataContent(png, "image/png"), new UriContent("https://example.com/cat.jpg", "image/jpeg")]),
        ], new ChatOptions
        {
            Instructions = "Be brief.",
            Temperature = 0.25f,
            TopP = 0.5f,
            Seed = 42,
            StopSequences = ["\n\n"],
            MaxOutputTokens = 100,
            Tools = [AIFunctionFactory.CreateDeclaration("describe", "Describes.", JsonDocument.Parse("""{"type":"object"}""").RootElement)],
            ToolMode = ChatToolMode.RequireSpecific("describe"),
            AllowMultipleToolCalls = false,
            AdditionalProperties = new() { ["top_k"] = 20, ["temperature"] = 0.9, ["user"] = "tenant-7" },
        });

        var body = server.Requests[0].Json!;
        Assert.Equal("system", (string?)body["messages"]![0]!["role"]);
        Assert.Equal("Be brief.", (string?)body["messages"]![0]!["content"]);
        var parts = body["messages"]![1]!["content"]!.AsArray();
        Assert.Equal("data:image/png;base64,iVBORw==", (string?)parts[1]!["image_url"]!["url"]);
        Assert.Equal("https://example.com/cat.jpg", (string?)parts[2]!["image_url"]!["url"]);
        Assert.Equal(0.5, (double?)body["top_p"]);
        Assert.Equal(42, (long?)body["seed"]);
        Assert.Equal("\n\n", (string?)body["stop"]![0]);
        Assert.Equal(100, (int?)body["max_completion_tokens"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"function","function":{"name":"describe"}}"""), body["tool_choice"]));
        Assert.False((bool?)body["parallel_tool_calls"]);

        // Extras are sent as they are and win over LlmKit's own field of the same name, without a duplicate key.
        Assert.Equal(20, (int?)body["top_k"]);
        Assert.Equal(0.9, (double?)body["temperature"]);
        Assert.Equal("tenant-7", (string?)body["user"]);
        Assert.Equal(2, server.Requests[0].BodyText.Split("\"temperature\"").Length);
    }

    [Fact]
    public async Task A_strict_json_schema_is_requested_only_when_the_caller_asks_for_strictness()
    {
        await using var server = AnthropicChatClientTests.Canned(Reply);
        using var client = Client(server);
        var schema = JsonDocument.Parse("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}""").RootElement;

        await client.GetResponseAsync("x", new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "thing") });
        await client.GetResponseAsync("x", new ChatOptions
        {
            ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "thing"),
            AdditionalProperties = new() { [LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema.Key] = true },
        });

        Assert.Null(server.Requests[0].Json!["response_format"]!["json_schema"]!["strict"]);
        Assert.True((bool?)server.Requests[1].Json!["response_format"]!["json_schema"]!["strict"]);
        Assert.DoesNotContain(LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema.Key, server.Requests[1].BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_refusal_is_assembled_into_one_refusal()
    {
        string stream = string.Concat(
            ProviderHarness.Data(new { id = "c1", model = "gpt-test", choices = new[] { new { index = 0, delta = new { refusal = "I can't " }, finish_reason = (string?)null } } }),
            ProviderHarness.Data(new { id = "c1", model = "gpt-test", choices = new[] { new { index = 0, delta = new { refusal = "help with that." }, finish_reason = (string?)null } } }),
            ProviderHarness.Data(new { id = "c1", model = "gpt-test", choices = new[] { new { index = 0, delta = new { refusal = (string?)null }, finish_reason = "stop" } } }),
            "data: [DONE]\n\n");
        await using var server = AnthropicChatClientTests.Canned(stream, sse: true);
        using var client = Client(server);

        var response = await client.GetStreamingResponseAsync("x").ToChatResponseAsync();

        Assert.Equal("I can't help with that.", response.GetRefusal());
        Assert.Single(response.Messages.SelectMany(m => m.Contents), c => c.IsRefusal());
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public void Reports_its_provider_name_and_capabilities_and_rejects_bad_options_naming_them()
    {
        using var client = new OpenAIChatClient(new() { Endpoint = new Uri("http://localhost:11434/v1"), Model = "llama3.2" });

        Assert.Equal("openai", client.GetService<ChatClientMetadata>()!.ProviderName);
        Assert.Equal(new Uri("http://localhost:11434/v1/"), client.GetService<ChatClientMetadata>()!.ProviderUri);
        Assert.True(client.GetService<ChatClientCapabilities>()!.SupportsStrictJsonSchema);

        var ex = Assert.Throws<ArgumentException>(() => new OpenAIChatClient(new()
        {
            Endpoint = new Uri("http://localhost:8000/v1/"),
            RequestTimeout = TimeSpan.Zero,
            EmbeddingBatchSize = 5000,
        }));
        Assert.Contains("RequestTimeout must be greater than zero", ex.Message, StringComparison.Ordinal);
        Assert.Contains("EmbeddingBatchSize must be between 1 and 2048", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embeddings_beyond_the_batch_size_are_split_and_keep_their_order()
    {
        int calls = 0;
        await using var server = new LoopbackServer(async (request, channel) =>
        {
            Interlocked.Increment(ref calls);
            var inputs = request.Json!["input"]!.AsArray().Select(i => (string)i!).ToList();
            var data = inputs.Select((text, i) => new { index = inputs.Count - 1 - i, embedding = new[] { float.Parse(inputs[inputs.Count - 1 - i], System.Globalization.CultureInfo.InvariantCulture) } });
            await channel.SendAsync(200, null, JsonSerializer.Serialize(new { model = "emb", data, usage = new { prompt_tokens = inputs.Count, total_tokens = inputs.Count } }));
        });
        using var generator = new OpenAIEmbeddingGenerator(new()
        {
            Endpoint = new Uri(server.BaseUri, "v1/"), Model = "emb", EmbeddingBatchSize = 2, EmbeddingEncoding = OpenAIEmbeddingEncoding.Float,
        });

        var result = await generator.GenerateAsync(["1", "2", "3", "4", "5"]);

        Assert.Equal(3, calls);
        Assert.Equal([1f, 2f, 3f, 4f, 5f], result.Select(e => e.Vector.Span[0]));
        Assert.Equal(5, result.Usage!.InputTokenCount);
    }

    private static OpenAIChatClient Client(LoopbackServer server) =>
        new(new OpenAIProviderOptions { ApiKey = "sk-test", Endpoint = new Uri(server.BaseUri, "v1/"), Model = "gpt-test" });
}
