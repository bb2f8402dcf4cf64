using LlmKit.Models;
using LlmKit.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmKit.Tests.Models;

public class ModelCatalogTests
{
    [Theory]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("GPT-4o-mini", "gpt-4o-mini")]
    [InlineData("openai/gpt-4.1-mini", "gpt-4.1-mini")]
    [InlineData("gpt-4-0613", "gpt-4")]
    [InlineData("claude-sonnet-4-5-20250929", "claude-sonnet-4-5")]
    [InlineData("claude-3-5-haiku-latest", "claude-3-5-haiku")]
    [InlineData("o3-mini-2025-01-31", "o3-mini")]
    public void Snapshots_and_prefixed_ids_resolve_to_their_family(string id, string family) =>
        Assert.Equal(family, ModelCatalog.Shipped.Find(id)?.Id);

    [Theory]
    [InlineData("gpt-4o-mini-tts")]
    [InlineData("llama-3-70b")]
    [InlineData("gpt-4o-audio-preview")]
    public void Unknown_models_are_not_guessed(string id) => Assert.Null(ModelCatalog.Shipped.Find(id));

    [Fact]
    public void Shipped_data_is_consistent_and_prices_a_usage_record()
    {
        Assert.All(ModelCatalog.Shipped.Models, m =>
        {
            Assert.True(m.ContextWindow > 0 && m.MaxOutputTokens <= m.ContextWindow, m.Id);
            Assert.True(m.Tokenizer is null or "o200k_base" or "cl100k_base", m.Id);
        });

        var mini = ModelCatalog.Shipped.Find("gpt-4o-mini")!;
        Assert.Equal(0.15m + 0.60m, mini.CostOf(1_000_000, 1_000_000));
        Assert.Equal(0.075m, mini.CostOf(0, 0, cacheReadTokens: 1_000_000));
    }

    [Fact]
    public async Task Configuration_overrides_one_field_of_a_shipped_model_and_adds_new_models()
    {
        using var host = BuildHost(new()
        {
            ["LlmKit:Models:gpt-4o:InputPricePerMillion"] = "2.0",
            ["LlmKit:Models:my-finetune:ContextWindow"] = "32000",
            ["LlmKit:Models:my-finetune:MaxOutputTokens"] = "4000",
            ["LlmKit:Models:my-finetune:Tokenizer"] = "cl100k_base",
            ["LlmKit:Models:my-finetune:Provider"] = "openai",
        });
        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IModelCatalog>();

        var gpt4o = catalog.Find("gpt-4o-2024-11-20")!;
        Assert.Equal((2.0m, 10m, 128_000), (gpt4o.InputPricePerMillion, gpt4o.OutputPricePerMillion, gpt4o.ContextWindow));
        var custom = catalog.Find("my-finetune")!;
        Assert.Equal((32_000, 4_000, "cl100k_base", "openai"), (custom.ContextWindow, custom.MaxOutputTokens, custom.Tokenizer, custom.Provider));
        await host.StopAsync();
    }

    [Theory]
    [InlineData("LlmKit:Models:my-model:MaxOutputTokens", "10", "LlmKit:Models:my-model:ContextWindow is required")]
    [InlineData("LlmKit:Models:gpt-4o:ContextWindow", "0", "LlmKit:Models:gpt-4o:ContextWindow must be at least 1")]
    [InlineData("LlmKit:Models:gpt-4o:MaxOutputTokens", "999999", "LlmKit:Models:gpt-4o:MaxOutputTokens must be between 0 and the context window")]
    [InlineData("LlmKit:Models:gpt-4o:OutputPricePerMillion", "-1", "LlmKit:Models:gpt-4o:OutputPricePerMillion must be 0 or more")]
    [InlineData("LlmKit:Models:gpt-4o:Tokenizer", "p50k_base", "LlmKit:Models:gpt-4o:Tokenizer must be one of")]
    [InlineData("LlmKit:Tokens:DefaultEncoding", "r50k_base", "LlmKit:Tokens:DefaultEncoding must be")]
    public async Task An_invalid_value_stops_the_host_at_start_naming_the_configuration_key(string key, string value, string expected)
    {
        using var host = BuildHost(new() { [key] = value });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public async Task A_misspelt_model_setting_stops_the_host_at_start()
    {
        using var host = BuildHost(new() { ["LlmKit:Models:gpt-4o:InputPrice"] = "1" });

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.True(ex.ToString().Contains("InputPrice", StringComparison.Ordinal), ex.ToString());
    }

    [Fact]
    public async Task Token_counting_registers_the_default_encoding_and_a_chat_counter_that_uses_each_models_tokenizer()
    {
        using var host = BuildHost(new()
        {
            ["LlmKit:Tokens:DefaultEncoding"] = "cl100k_base",
            ["LlmKit:Models:claude-sonnet-4-5:Tokenizer"] = "o200k_base",
        });
        await host.StartAsync();

        var counter = host.Services.GetRequiredService<ITokenCounter>();
        var chat = host.Services.GetRequiredService<IChatTokenCounter>();
        Microsoft.Extensions.AI.ChatMessage[] messages = [new(Microsoft.Extensions.AI.ChatRole.User, "Hello, world!")];

        Assert.Equal("cl100k_base", counter.EncodingName);
        // 3 priming + 3 per message + 1 for the role + 4 for the text, counted with o200k for the overridden model
        Assert.Equal(11, chat.CountInputTokens(messages, modelId: "claude-sonnet-4-5"));
        Assert.Equal(11, chat.CountInputTokens(messages, modelId: "gpt-4o"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Registrations_made_before_token_counting_are_kept()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Services.AddSingleton<ITokenCounter>(TokenEstimator.Instance);
        builder.Services.AddLlmKit().AddTokenCounting();
        using var host = builder.Build();
        await host.StartAsync();

        Assert.Same(TokenEstimator.Instance, host.Services.GetRequiredService<ITokenCounter>());
        await host.StopAsync();
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLlmKit().AddTokenCounting();
        return builder.Build();
    }
}
