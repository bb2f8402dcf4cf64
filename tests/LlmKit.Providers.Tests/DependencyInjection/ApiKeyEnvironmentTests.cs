using LlmKit.Providers.Anthropic;
using LlmKit.Providers.OpenAI;
using LlmKit.Providers.Tests.Anthropic;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests.DependencyInjection;

/// <summary>Tests that change process environment variables run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}

/// <summary>API keys fall back to OPENAI_API_KEY / ANTHROPIC_API_KEY, and a missing key for the public API fails up front.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class ApiKeyEnvironmentTests
{
    [Fact]
    public async Task Keys_come_from_the_environment_when_configuration_has_none()
    {
        await using var openAIServer = AnthropicChatClientTests.Canned("""{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}""");
        await using var anthropicServer = AnthropicChatClientTests.Canned("""{"id":"m","type":"message","model":"m","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}""");
        using (new EnvironmentVariable(OpenAIProviderConstants.ApiKeyEnvironmentVariable, "sk-env-openai"))
        using (new EnvironmentVariable(AnthropicProviderConstants.ApiKeyEnvironmentVariable, "sk-env-anthropic"))
        {
            using var openAI = new OpenAIChatClient(new() { Endpoint = new Uri(openAIServer.BaseUri, "v1/"), Model = "m" });
            using var anthropic = new AnthropicChatClient(new() { Endpoint = anthropicServer.BaseUri, Model = "m" });
            await openAI.GetResponseAsync("Hi");
            await anthropic.GetResponseAsync("Hi");
        }

        Assert.Equal("Bearer sk-env-openai", openAIServer.Requests[0].Header("Authorization"));
        Assert.Equal("sk-env-anthropic", anthropicServer.Requests[0].Header("x-api-key"));
    }

    [Fact]
    public void Without_any_key_the_public_APIs_are_refused_with_the_key_and_variable_named()
    {
        using (new EnvironmentVariable(OpenAIProviderConstants.ApiKeyEnvironmentVariable, null))
        using (new EnvironmentVariable(AnthropicProviderConstants.ApiKeyEnvironmentVariable, null))
        {
            var openAI = Assert.Throws<ArgumentException>(() => new OpenAIChatClient(new() { Model = "gpt-4o-mini" }));
            var anthropic = Assert.Throws<ArgumentException>(() => new AnthropicChatClient(new() { Model = "claude-sonnet-4-5" }));

            Assert.Contains("ApiKey is required for api.openai.com", openAI.Message, StringComparison.Ordinal);
            Assert.Contains("OPENAI_API_KEY", openAI.Message, StringComparison.Ordinal);
            Assert.Contains("ApiKey is required for api.anthropic.com", anthropic.Message, StringComparison.Ordinal);
            Assert.Contains("ANTHROPIC_API_KEY", anthropic.Message, StringComparison.Ordinal);
        }
    }

    private sealed class EnvironmentVariable : IDisposable
    {
        private readonly string _name;
        private readonly string? _previous;

        public EnvironmentVariable(string name, string? value)
        {
            _name = name;
            _previous = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
    }
}
