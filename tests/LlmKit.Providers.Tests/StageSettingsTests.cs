using LlmKit.Caching;
using LlmKit.ChatCompletion;
using LlmKit.Providers.Anthropic;
using LlmKit.Providers.OpenAI;
using LlmKit.Providers.Tests.Anthropic;
using LlmKit.Resilience.Timeout;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests;

/// <summary>
/// LlmKit's stages talk to each other through ChatOptions.AdditionalProperties (caller tags, the deadline, cache
/// opt-in). Providers forward extras to the wire, so these settings must be filtered out there: a real API rejects
/// unknown request fields, and the tenant must not leak to the provider.
/// </summary>
public sealed class StageSettingsTests
{
    private const string OpenAIReply = """{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}""";
    private const string AnthropicReply = """{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":1}}""";

    [Fact]
    public async Task OpenAI_sends_caller_extras_but_never_LlmKit_stage_settings()
    {
        await using var server = AnthropicChatClientTests.Canned(OpenAIReply);
        using var client = new OpenAIChatClient(new OpenAIProviderOptions { ApiKey = "sk-test", Endpoint = new Uri(server.BaseUri, "v1/"), Model = "gpt-test" });

        await client.GetResponseAsync("hi", OptionsWithStageSettings());

        AssertOnlyCallerExtras(server.Requests[0].BodyText, (string?)server.Requests[0].Json!["user"]);
    }

    [Fact]
    public async Task Anthropic_sends_caller_extras_but_never_LlmKit_stage_settings()
    {
        await using var server = AnthropicChatClientTests.Canned(AnthropicReply);
        using var client = new AnthropicChatClient(new AnthropicProviderOptions { ApiKey = "sk-ant-test", Endpoint = server.BaseUri, Model = "claude-test" });

        await client.GetResponseAsync("hi", OptionsWithStageSettings());

        AssertOnlyCallerExtras(server.Requests[0].BodyText, (string?)server.Requests[0].Json!["user"]);
    }

    [Fact]
    public async Task OpenAI_embeddings_send_caller_extras_but_never_LlmKit_stage_settings()
    {
        await using var server = AnthropicChatClientTests.Canned("""{"model":"emb","data":[{"index":0,"embedding":[0.5]}]}""");
        using var generator = new OpenAIEmbeddingGenerator(new OpenAIProviderOptions
        {
            ApiKey = "sk-test", Endpoint = new Uri(server.BaseUri, "v1/"), Model = "emb", EmbeddingEncoding = OpenAIEmbeddingEncoding.Float,
        });

        await generator.GenerateAsync(["hi"], new EmbeddingGenerationOptions { AdditionalProperties = OptionsWithStageSettings().AdditionalProperties });

        AssertOnlyCallerExtras(server.Requests[0].BodyText, (string?)server.Requests[0].Json!["user"]);
    }

    [Theory]
    [InlineData("llmkit.tenant", true)]
    [InlineData("llmkit.deadline", true)]
    [InlineData("llmkit.cache", true)]
    [InlineData("LLMKIT.anything", true)]
    [InlineData("llmkit.strict_json_schema", true)]
    [InlineData("user", false)]
    [InlineData("llmkit", false)]
    public void The_reserved_prefix_decides_what_is_an_LlmKit_setting(string key, bool reserved) =>
        Assert.Equal(reserved, LlmKitOptionKeys.IsLlmKitKey(key));

    private static ChatOptions OptionsWithStageSettings() => new()
    {
        AdditionalProperties = new()
        {
            ["llmkit.tenant"] = "acme-tenant",
            ["llmkit.feature"] = "support-bot",
            ["llmkit.deadline"] = DateTimeOffset.UnixEpoch.AddDays(1),
            ["llmkit.cache"] = true,
            ["user"] = "end-user-7",
        },
    };

    private static void AssertOnlyCallerExtras(string body, string? user)
    {
        Assert.Equal("end-user-7", user);
        Assert.DoesNotContain("acme-tenant", body, StringComparison.Ordinal);
        Assert.DoesNotContain("support-bot", body, StringComparison.Ordinal);
        Assert.DoesNotContain("llmkit", body, StringComparison.OrdinalIgnoreCase);
    }
}
