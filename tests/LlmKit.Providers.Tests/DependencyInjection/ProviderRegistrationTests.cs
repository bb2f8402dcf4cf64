using LlmKit.Providers.Tests.Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmKit.Providers.Tests.DependencyInjection;

/// <summary>Registering providers through <c>AddLlmKit()</c>: configuration binding, precedence, validation at start.</summary>
public sealed class ProviderRegistrationTests
{
    private const string OpenAIReply = """{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}""";
    private const string AnthropicReply = """{"id":"msg","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}""";

    [Fact]
    public async Task AddOpenAI_reads_its_section_and_the_client_model_default_wins_over_the_provider_model()
    {
        await using var server = AnthropicChatClientTests.Canned(OpenAIReply);
        using var host = Build(new()
        {
            ["LlmKit:OpenAI:local:Endpoint"] = new Uri(server.BaseUri, "v1").ToString(),
            ["LlmKit:OpenAI:local:Model"] = "provider-model",
            ["LlmKit:OpenAI:local:ApiKey"] = "sk-from-config",
            ["LlmKit:Clients:other2:Model"] = "client-model",
            ["LlmKit:OpenAI:other2:Endpoint"] = new Uri(server.BaseUri, "v1").ToString(),
            ["LlmKit:OpenAI:other2:Model"] = "provider-model",
        }, llmKit =>
        {
            llmKit.AddOpenAI("local");
            llmKit.AddOpenAI("other2");
        });
        await host.StartAsync();

        var local = host.Services.GetRequiredKeyedService<IChatClient>("local");
        var response = await local.GetResponseAsync("Hi");
        await host.Services.GetRequiredKeyedService<IChatClient>("other2").GetResponseAsync("Hi");

        Assert.Equal("hi", response.Text);
        Assert.Equal("provider-model", (string?)server.Requests[0].Json!["model"]);
        Assert.Equal("Bearer sk-from-config", server.Requests[0].Header("Authorization"));
        Assert.Equal("client-model", (string?)server.Requests[1].Json!["model"]);
        Assert.Null(server.Requests[1].Header("Authorization")); // self-hosted servers need no key
        Assert.Equal("openai", local.GetService<ChatClientMetadata>()!.ProviderName);
        Assert.Same(host.Services.GetRequiredKeyedService<IChatClient>("local"), host.Services.GetRequiredService<IChatClient>());
        await host.StopAsync();
    }

    [Fact]
    public async Task AddAnthropic_reads_its_section_and_its_options_can_be_adjusted_in_code()
    {
        await using var server = AnthropicChatClientTests.Canned(AnthropicReply);
        using var host = Build(new()
        {
            ["LlmKit:Anthropic:claude:Endpoint"] = server.BaseUri.ToString(),
            ["LlmKit:Anthropic:claude:Model"] = "claude-test",
            ["LlmKit:Anthropic:claude:ApiKey"] = "sk-ant-config",
            ["LlmKit:Anthropic:claude:DefaultMaxOutputTokens"] = "123",
        }, llmKit => llmKit.AddAnthropic("claude", o => o.CacheSystemPrompt = true));
        await host.StartAsync();

        var client = host.Services.GetRequiredKeyedService<IChatClient>("claude");
        await client.GetResponseAsync([new(ChatRole.System, "sys"), new(ChatRole.User, "Hi")]);

        var body = server.Requests[0].Json!;
        Assert.Equal("claude-test", (string?)body["model"]);
        Assert.Equal(123, (int?)body["max_tokens"]);
        Assert.NotNull(body["system"]![0]!["cache_control"]);
        Assert.Equal("sk-ant-config", server.Requests[0].Header("x-api-key"));
        Assert.Equal("anthropic", client.GetService<ChatClientMetadata>()!.ProviderName);
        await host.StopAsync();
    }

    [Fact]
    public async Task Invalid_provider_settings_stop_the_host_at_start_naming_each_key()
    {
        using var host = Build(new()
        {
            ["LlmKit:Anthropic:claude:Endpoint"] = "http://localhost:1/",
            ["LlmKit:Anthropic:claude:ThinkingBudgetTokens"] = "10",
            ["LlmKit:OpenAI:gpt:Endpoint"] = "http://localhost:1/v1/",
            ["LlmKit:OpenAI:gpt:RequestTimeout"] = "-00:00:01",
        }, llmKit =>
        {
            llmKit.AddAnthropic("claude");
            llmKit.AddOpenAI("gpt");
        });

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        string message = ex is AggregateException aggregate ? string.Join(" ", aggregate.InnerExceptions.Select(e => e.Message)) : ex.Message;
        Assert.Contains("LlmKit:Anthropic:claude:ThinkingBudgetTokens must be at least 1024", message, StringComparison.Ordinal);
        Assert.Contains("LlmKit:OpenAI:gpt:RequestTimeout must be greater than zero", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misspelled_provider_setting_is_an_error_not_a_silent_default()
    {
        using var host = Build(new() { ["LlmKit:OpenAI:gpt:Endpiont"] = "http://localhost:1/v1/" }, llmKit => llmKit.AddOpenAI("gpt", o => o.ApiKey = "k"));

        var ex = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Endpiont", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddOpenAIEmbeddings_registers_a_keyed_and_a_default_generator()
    {
        await using var server = AnthropicChatClientTests.Canned("""{"model":"emb","data":[{"index":0,"embedding":[0.5,0.25]}],"usage":{"prompt_tokens":2,"total_tokens":2}}""");
        using var host = Build(new()
        {
            ["LlmKit:OpenAI:embeddings:Endpoint"] = new Uri(server.BaseUri, "v1/").ToString(),
            ["LlmKit:OpenAI:embeddings:Model"] = "emb",
            ["LlmKit:OpenAI:embeddings:EmbeddingEncoding"] = "Float",
        }, llmKit => llmKit.AddOpenAIEmbeddings("embeddings"));
        await host.StartAsync();

        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var vector = await generator.GenerateVectorAsync("hello");

        Assert.Same(generator, host.Services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("embeddings"));
        Assert.Equal([0.5f, 0.25f], vector.ToArray());
        Assert.Equal("float", (string?)server.Requests[0].Json!["encoding_format"]);
        await host.StopAsync();
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<LlmKit.DependencyInjection.LlmKitBuilder> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        configure(builder.Services.AddLlmKit());
        return builder.Build();
    }
}
