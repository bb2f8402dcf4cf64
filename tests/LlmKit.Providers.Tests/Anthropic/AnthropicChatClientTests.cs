using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.ChatCompletion;
using LlmKit.Providers.Anthropic;
using LlmKit.Providers.Tests.Faults;
using LlmKit.Providers.Tests.Loopback;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests.Anthropic;

/// <summary>The Anthropic features that the recordings do not show: cache breakpoints, both structured-output paths, thinking budgets, refusals.</summary>
public sealed class AnthropicChatClientTests
{
    private const string Reply = """{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":1}}""";

    private static readonly JsonElement PersonSchema = JsonDocument.Parse(
        """{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]}""").RootElement;

    [Fact]
    public async Task Cache_breakpoints_go_on_the_system_prompt_the_last_tool_and_the_last_message()
    {
        await using var server = Canned(Reply);
        using var client = Client(server, o =>
        {
            o.CacheSystemPrompt = true;
            o.CacheTools = true;
            o.CacheConversation = true;
        });

        await client.GetResponseAsync(
            [new(ChatRole.System, "You are terse."), new(ChatRole.User, "Long document…"), new(ChatRole.Assistant, "Read it."), new(ChatRole.User, "Question?")],
            new ChatOptions { Tools = [Tool("lookup"), Tool("search")] });

        var body = server.Requests[0].Json!;
        var ephemeral = JsonNode.Parse("""{"type":"ephemeral"}""");
        Assert.True(JsonNode.DeepEquals(ephemeral, body["system"]![0]!["cache_control"]));
        Assert.Null(body["tools"]![0]!["cache_control"]);
        Assert.True(JsonNode.DeepEquals(ephemeral, body["tools"]![1]!["cache_control"]));
        var messages = body["messages"]!.AsArray();
        Assert.Equal("Long document…", (string?)messages[0]!["content"]); // no breakpoint: the plain string form
        Assert.True(JsonNode.DeepEquals(ephemeral, messages[2]!["content"]![0]!["cache_control"]));
    }

    [Fact]
    public async Task A_message_marked_as_a_cache_breakpoint_gets_one_and_more_than_four_breakpoints_are_refused()
    {
        await using var server = Canned(Reply);
        using var client = Client(server, o => o.CacheSystemPrompt = true);
        var stable = new ChatMessage(ChatRole.User, "A long document that every question reuses.")
        {
            AdditionalProperties = new() { [AnthropicChatOptionKeys.CacheBreakpoint] = true },
        };

        await client.GetResponseAsync([new(ChatRole.System, "sys"), stable, new(ChatRole.Assistant, "Read."), new(ChatRole.User, "Q1?")]);

        var messages = server.Requests[0].Json!["messages"]!.AsArray();
        Assert.NotNull(messages[0]!["content"]![0]!["cache_control"]);
        Assert.Equal("Q1?", (string?)messages[2]!["content"]);
        Assert.DoesNotContain(AnthropicChatOptionKeys.CacheBreakpoint, server.Requests[0].BodyText, StringComparison.Ordinal);

        var marked = Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            new ChatMessage(ChatRole.User, $"u{i}") { AdditionalProperties = new() { [AnthropicChatOptionKeys.CacheBreakpoint] = true } },
            new ChatMessage(ChatRole.Assistant, $"a{i}"),
        }).ToList();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new(ChatRole.System, "sys"), .. marked]));
        Assert.Contains("5 prompt-cache breakpoints", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests); // refused before anything was sent
    }

    [Fact]
    public async Task A_JSON_schema_response_format_is_sent_as_native_output_config_and_the_answer_is_the_text()
    {
        await using var server = Canned("""
            {"id":"msg_2","type":"message","role":"assistant","model":"claude-test","stop_reason":"end_turn",
             "content":[{"type":"text","text":"{\"name\":\"Ada\",\"age\":36}"}],
             "usage":{"input_tokens":50,"output_tokens":12}}
            """);
        using var client = Client(server);

        var response = await client.GetResponseAsync("Invent a person.", new ChatOptions
        {
            ResponseFormat = ChatResponseFormat.ForJsonSchema(PersonSchema, "person", "A person."),
            AdditionalProperties = new() { [LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema.Key] = true },
        });

        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"name":"Ada","age":36}"""), JsonNode.Parse(response.Text)));
        var body = server.Requests[0].Json!;
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse($$$"""{"format":{"type":"json_schema","schema":{{{PersonSchema.GetRawText()}}}}}"""), body["output_config"]));
        Assert.Null(body["tools"]); // no private tool: the API's own structured output
        Assert.Null(body["tool_choice"]);
        Assert.DoesNotContain(LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema.Key, server.Requests[0].BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streamed_native_structured_output_arrives_as_text_deltas()
    {
        string stream = string.Concat(
            ProviderHarness.Event("message_start", new { type = "message_start", message = new { id = "msg_3", model = "claude-test", usage = new { input_tokens = 9, output_tokens = 1 } } }),
            ProviderHarness.Event("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } }),
            ProviderHarness.Event("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = "{\"name\": \"Ad" } }),
            ProviderHarness.Event("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = "a\", \"age\": 36}" } }),
            ProviderHarness.Event("content_block_stop", new { type = "content_block_stop", index = 0 }),
            ProviderHarness.Event("message_delta", new { type = "message_delta", delta = new { stop_reason = "end_turn" }, usage = new { output_tokens = 12 } }),
            ProviderHarness.Event("message_stop", new { type = "message_stop" }));
        await using var server = Canned(stream, sse: true);
        using var client = Client(server);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("Invent a person.", new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(PersonSchema, "person") }))
        {
            updates.Add(update);
        }

        Assert.Equal(["{\"name\": \"Ad", "a\", \"age\": 36}"], updates.Select(u => u.Text).Where(t => t.Length > 0));
        var response = updates.ToChatResponse();
        Assert.Equal("{\"name\": \"Ada\", \"age\": 36}", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(12, response.Usage!.OutputTokenCount);
        Assert.NotNull(server.Requests[0].Json!["output_config"]);
    }

    [Fact]
    public async Task LlmKit_structured_output_gets_a_typed_object_through_the_native_format()
    {
        await using var server = Canned("""
            {"id":"msg_5","type":"message","role":"assistant","model":"claude-test","stop_reason":"end_turn",
             "content":[{"type":"text","text":"{\"name\":\"Ada\",\"age\":36}"}],"usage":{"input_tokens":50,"output_tokens":12}}
            """);
        using var client = Client(server);

        var result = await client.GetObjectAsync<Person>("Invent a person.");

        Assert.Equal(StructuredOutputStrategy.NativeJsonSchema, result.Strategy);
        Assert.Equal(new Person("Ada", 36), result.Value);
        Assert.NotNull(server.Requests[0].Json!["output_config"]!["format"]!["schema"]);
        Assert.Null(server.Requests[0].Json!["tools"]);
    }

    [Fact]
    public async Task LlmKit_forced_tool_structured_output_is_sent_as_a_tool_with_a_required_tool_choice()
    {
        await using var server = Canned("""
            {"id":"msg_6","type":"message","role":"assistant","model":"claude-test","stop_reason":"tool_use",
             "content":[{"type":"tool_use","id":"toolu_1","name":"respond","input":{"name":"Ada","age":36}}],
             "usage":{"input_tokens":50,"output_tokens":12}}
            """);
        using var client = Client(server);

        var result = await client.GetObjectAsync<Person>("Invent a person.", new StructuredOutputOptions { Strategy = StructuredOutputStrategy.ForcedToolCall });

        Assert.Equal(new Person("Ada", 36), result.Value);
        var body = server.Requests[0].Json!;
        Assert.Equal("respond", (string?)body["tools"]![0]!["name"]);
        Assert.Equal("object", (string?)body["tools"]![0]!["input_schema"]!["type"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"tool","name":"respond","disable_parallel_tool_use":true}"""), body["tool_choice"]));
        Assert.Null(body["output_config"]);
    }

    [Fact]
    public async Task Without_native_structured_output_the_client_says_so_and_LlmKit_asks_through_a_forced_tool()
    {
        await using var server = Canned("""
            {"id":"msg_7","type":"message","role":"assistant","model":"claude-3-5-haiku","stop_reason":"tool_use",
             "content":[{"type":"tool_use","id":"toolu_2","name":"respond","input":{"name":"Ada","age":36}}],
             "usage":{"input_tokens":50,"output_tokens":12}}
            """);
        using var client = Client(server, o => o.NativeStructuredOutput = false);

        var capabilities = client.GetService<ChatClientCapabilities>()!;
        var result = await client.GetObjectAsync<Person>("Invent a person.");

        Assert.False(capabilities.SupportsJsonSchemaResponseFormat);
        Assert.False(capabilities.SupportsStrictJsonSchema);
        Assert.Equal(StructuredOutputStrategy.ForcedToolCall, result.Strategy);
        Assert.Equal(new Person("Ada", 36), result.Value);
        Assert.Null(server.Requests[0].Json!["output_config"]);

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync("x", new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(PersonSchema) }));
        Assert.Contains("NativeStructuredOutput", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests); // refused before anything was sent
    }

    [Fact]
    public async Task A_required_tool_choice_while_thinking_is_refused_before_sending_and_the_capabilities_say_so()
    {
        await using var server = Canned(Reply);
        using var thinkingClient = Client(server, o => o.ThinkingBudgetTokens = 2048);
        using var plainClient = Client(server);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => plainClient.GetResponseAsync("x", new ChatOptions
        {
            MaxOutputTokens = 8000,
            Tools = [Tool("lookup")],
            ToolMode = ChatToolMode.RequireSpecific("lookup"),
            AdditionalProperties = new() { [AnthropicChatOptionKeys.ThinkingBudgetTokens] = 2048 },
        }));

        Assert.Contains("required tool choice while extended thinking", ex.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        Assert.False(thinkingClient.GetService<ChatClientCapabilities>()!.SupportsRequiredToolChoice);
        Assert.True(plainClient.GetService<ChatClientCapabilities>()!.SupportsRequiredToolChoice);
    }

    [Fact]
    public async Task Thinking_budgets_come_from_the_call_the_reasoning_effort_or_the_options()
    {
        await using var server = Canned(Reply);
        using var client = Client(server, o => o.ThinkingBudgetTokens = 2048);

        await client.GetResponseAsync("a", new ChatOptions { MaxOutputTokens = 40_000 });
        await client.GetResponseAsync("b", new ChatOptions { MaxOutputTokens = 40_000, Reasoning = new ReasoningOptions { Effort = ReasoningEffort.High } });
        await client.GetResponseAsync("c", new ChatOptions
        {
            MaxOutputTokens = 40_000,
            AdditionalProperties = new() { [AnthropicChatOptionKeys.ThinkingBudgetTokens] = 5000 },
        });
        await client.GetResponseAsync("d", new ChatOptions { AdditionalProperties = new() { [AnthropicChatOptionKeys.ThinkingBudgetTokens] = 0 } });

        int?[] budgets = server.Requests.Select(r => (int?)r.Json!["thinking"]?["budget_tokens"]).ToArray();
        Assert.Equal([2048, 16_384, 5000, null], budgets);
        Assert.DoesNotContain(AnthropicChatOptionKeys.ThinkingBudgetTokens, server.Requests[2].BodyText, StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync("e", new ChatOptions { MaxOutputTokens = 1000 }));
        Assert.Contains("thinking budget (2048 tokens) must be smaller than the output limit (1000 tokens)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_stop_reason_becomes_refusal_content_and_a_content_filter_finish()
    {
        await using var server = Canned("""
            {"id":"msg_4","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":"refusal","usage":{"input_tokens":5,"output_tokens":0}}
            """);
        using var client = Client(server);

        var response = await client.GetResponseAsync("Something harmful");

        Assert.Equal(ChatFinishReason.ContentFilter, response.FinishReason);
        Assert.NotNull(response.GetRefusal());
    }

    [Fact]
    public async Task Tool_results_and_parallel_tool_settings_are_written_as_the_API_expects()
    {
        await using var server = Canned(Reply);
        using var client = Client(server);

        await client.GetResponseAsync(
        [
            new(ChatRole.User, "Weather?"),
            new(ChatRole.Assistant, [new FunctionCallContent("toolu_9", "weather", new Dictionary<string, object?> { ["city"] = "Oslo" })]),
            new(ChatRole.Tool, [new FunctionResultContent("toolu_9", "-3°C") { Exception = null }]),
            new(ChatRole.Tool, [new FunctionResultContent("toolu_10", null) { Exception = new InvalidOperationException("service down") }]),
        ], new ChatOptions { Tools = [Tool("weather")], ToolMode = ChatToolMode.RequireAny, AllowMultipleToolCalls = false, StopSequences = ["END"], TopK = 5 });

        var body = server.Requests[0].Json!;
        var messages = body["messages"]!.AsArray();
        Assert.Equal(3, messages.Count); // the two tool messages merge into one user turn
        Assert.Equal("user", (string?)messages[2]!["role"]);
        Assert.Equal("-3°C", (string?)messages[2]!["content"]![0]!["content"]);
        Assert.True((bool?)messages[2]!["content"]![1]!["is_error"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"any","disable_parallel_tool_use":true}"""), body["tool_choice"]));
        Assert.Equal(5, (int?)body["top_k"]);
        Assert.Equal("END", (string?)body["stop_sequences"]![0]);
    }

    [Fact]
    public async Task Empty_text_next_to_a_tool_call_is_left_out_because_the_API_rejects_empty_blocks()
    {
        await using var server = Canned(Reply);
        using var client = Client(server);

        await client.GetResponseAsync(
        [
            new(ChatRole.User, "Weather?"),
            new(ChatRole.Assistant, [new TextContent(string.Empty), new FunctionCallContent("toolu_1", "weather", new Dictionary<string, object?>())]),
            new(ChatRole.Tool, [new FunctionResultContent("toolu_1", "sunny")]),
        ]);

        var assistant = server.Requests[0].Json!["messages"]![1]!["content"]!.AsArray();
        Assert.Single(assistant);
        Assert.Equal("tool_use", (string?)assistant[0]!["type"]);
    }

    [Fact]
    public async Task Signed_thinking_is_sent_back_and_unsigned_reasoning_from_elsewhere_is_left_out()
    {
        await using var server = Canned(Reply);
        using var client = Client(server);

        await client.GetResponseAsync(
        [
            new(ChatRole.User, "Plan it."),
            new(ChatRole.Assistant, [new TextReasoningContent("Step one…") { ProtectedData = "sig-abc" }, new TextReasoningContent("foreign"), new TextContent("Done.")]),
            new(ChatRole.User, "And then?"),
        ]);

        var blocks = server.Requests[0].Json!["messages"]![1]!["content"]!.AsArray();
        Assert.Equal(2, blocks.Count);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"type":"thinking","thinking":"Step one…","signature":"sig-abc"}"""), blocks[0]));
        Assert.Equal("Done.", (string?)blocks[1]!["text"]);
    }

    [Fact]
    public void Reports_its_provider_name_and_capabilities()
    {
        using var client = new AnthropicChatClient(new() { ApiKey = "k", Model = "claude-test" });

        Assert.Equal("anthropic", client.GetService<ChatClientMetadata>()!.ProviderName);
        Assert.Equal("claude-test", client.GetService<ChatClientMetadata>()!.DefaultModelId);
        var capabilities = client.GetService<ChatClientCapabilities>()!;
        Assert.True(capabilities.SupportsJsonSchemaResponseFormat);
        Assert.True(capabilities.SupportsStrictJsonSchema); // output_config.format decodes under the schema
    }

    private sealed record Person(string Name, int Age);

    private static AIFunctionDeclaration Tool(string name) =>
        AIFunctionFactory.CreateDeclaration(name, $"The {name} tool.", JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""").RootElement);

    private static AnthropicChatClient Client(LoopbackServer server, Action<AnthropicProviderOptions>? configure = null)
    {
        var options = new AnthropicProviderOptions { ApiKey = "sk-ant-test", Endpoint = server.BaseUri, Model = "claude-test" };
        configure?.Invoke(options);
        return new AnthropicChatClient(options);
    }

    internal static LoopbackServer Canned(string body, bool sse = false) => new(async (_, channel) =>
    {
        if (!sse)
        {
            await channel.SendAsync(200, null, body);
            return;
        }

        await channel.StartChunkedAsync(200, null);
        await channel.WriteChunkAsync(System.Text.Encoding.UTF8.GetBytes(body));
        await channel.EndChunkedAsync();
    });
}
