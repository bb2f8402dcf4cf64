using LlmKit.ChatCompletion;
using LlmKit.Providers.Anthropic;
using LlmKit.Providers.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Docs.Snippets;

public static class ProvidersSnippets
{
    public static (string? Provider, ChatClientCapabilities? Capabilities) OpenAI()
    {
        #region providers-openai
        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddOpenAI("gpt", o =>
            {
                o.Model = "gpt-4o-mini";
                o.ApiKey = "sk-…";                   // or leave it null: OPENAI_API_KEY is read
            })
            .UseResilience();
        using var app = services.BuildServiceProvider();

        var chat = app.GetRequiredKeyedService<IChatClient>("gpt");
        var capabilities = chat.GetService<ChatClientCapabilities>();   // strict JSON schema, tools, …
        Console.WriteLine(chat.GetService<ChatClientMetadata>()?.ProviderName);  // openai
        #endregion
        return (chat.GetService<ChatClientMetadata>()?.ProviderName, capabilities);
    }

    public static Uri? Compatible()
    {
        #region providers-compatible
        // Ollama, vLLM, llama.cpp server, LiteLLM: only the endpoint (and the model) change.
        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddOpenAI("local", o =>
            {
                o.Endpoint = new Uri("http://localhost:11434/v1/");
                o.Model = "llama3.1";
                o.IncludeStreamUsage = false;        // for servers that reject stream_options
                o.UseMaxCompletionTokens = false;    // for servers that only know max_tokens
                o.EmbeddingEncoding = OpenAIEmbeddingEncoding.Float;
            })
            .LlmKit.AddOpenAIEmbeddings("local");
        using var app = services.BuildServiceProvider();
        var embedder = app.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        #endregion
        return embedder.GetService<EmbeddingGeneratorMetadata>()?.ProviderUri;
    }

    public static (string? Provider, ChatClientCapabilities? Capabilities) Anthropic()
    {
        #region providers-anthropic
        var services = new ServiceCollection();
        services.AddLlmKit()
            .AddAnthropic("claude", o =>
            {
                o.Model = "claude-sonnet-4-5";
                o.ApiKey = "sk-ant-…";               // or ANTHROPIC_API_KEY
                o.CacheSystemPrompt = true;          // a prompt-cache breakpoint after the system prompt
                o.DefaultMaxOutputTokens = 2048;     // the Messages API requires a limit
            })
            .UseResilience();
        using var app = services.BuildServiceProvider();

        var claude = app.GetRequiredKeyedService<IChatClient>("claude");
        Console.WriteLine(claude.GetService<ChatClientMetadata>()?.ProviderName);  // anthropic
        #endregion
        return (claude.GetService<ChatClientMetadata>()?.ProviderName, claude.GetService<ChatClientCapabilities>());
    }
}
