using LlmKit.Batches;
using LlmKit.DependencyInjection;
using LlmKit.Providers;
using LlmKit.Providers.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

#pragma warning disable IDE0130 // Extension methods for LlmKit's builders live beside AddLlmKit, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers OpenAI and OpenAI-compatible endpoints with LlmKit.</summary>
public static class OpenAILlmKitBuilderExtensions
{
    /// <summary>
    /// Registers a named chat client backed by an OpenAI-compatible endpoint. Its settings are bound from
    /// <c>LlmKit:OpenAI:&lt;name&gt;</c> (see <see cref="OpenAIProviderOptions"/>), then <paramref name="configure"/>
    /// runs, and the result is validated when the host starts. The key falls back to <c>OPENAI_API_KEY</c>. The client
    /// sends through the named <see cref="HttpClient"/> <see cref="HttpClientName"/>, whose HTTP logs never show the
    /// key or account headers.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="name">The client's name, which also names its configuration sections.</param>
    /// <param name="configure">Adjusts the options after configuration binding.</param>
    /// <returns>The builder of the client's pipeline, to add stages.</returns>
    /// <example>
    /// <code>
    /// // "LlmKit": { "OpenAI": { "local": { "Endpoint": "http://localhost:11434/v1/", "Model": "llama3.2" } } }
    /// services.AddLlmKit().AddOpenAI("local");
    /// </code>
    /// </example>
    public static LlmKitChatClientBuilder AddOpenAI(this LlmKitBuilder builder, string name, Action<OpenAIProviderOptions>? configure = null) =>
        ProviderRegistration.AddChatClient(builder, OpenAIProvider.Descriptor, name, configure, static (options, http, sp) =>
            new OpenAIChatClient(options, http, sp.GetService<TimeProvider>(), sp.GetService<ILogger<OpenAIChatClient>>()));

    /// <summary>
    /// Registers a keyed <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> backed by an OpenAI-compatible embeddings
    /// endpoint, configured like <see cref="AddOpenAI"/> from <c>LlmKit:OpenAI:&lt;name&gt;</c>. The first one registered
    /// is also the unkeyed generator.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="name">The generator's service key and configuration name.</param>
    /// <param name="configure">Adjusts the options after configuration binding.</param>
    /// <returns>The LlmKit builder.</returns>
    public static LlmKitBuilder AddOpenAIEmbeddings(this LlmKitBuilder builder, string name, Action<OpenAIProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var provider = OpenAIProvider.Descriptor;
        ProviderRegistration.AddProvider(builder.Services, provider, name, configure);
        builder.Services.AddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(name, (sp, _) => new OpenAIEmbeddingGenerator(
            ProviderRegistration.OptionsOf(sp, name, provider), ProviderRegistration.HttpClientOf(sp, name, provider),
            sp.GetService<TimeProvider>(), sp.GetService<ILogger<OpenAIEmbeddingGenerator>>()));
        builder.Services.TryAddSingleton(sp => sp.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(name));
        return builder;
    }

    /// <summary>
    /// Registers a keyed <see cref="IBatchChatClient"/> for OpenAI's Batch API under <paramref name="name"/>, configured
    /// like <see cref="AddOpenAI"/> from <c>LlmKit:OpenAI:&lt;name&gt;</c> (the same name may serve chat and batches), for
    /// <see cref="ChatBatchRunner"/> (<c>AddChatBatches()</c>) to submit through.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="name">The batch client's service key and configuration name.</param>
    /// <param name="configure">Adjusts the options after configuration binding.</param>
    /// <returns>The LlmKit builder.</returns>
    public static LlmKitBuilder AddOpenAIBatches(this LlmKitBuilder builder, string name, Action<OpenAIProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var provider = OpenAIProvider.Descriptor;
        ProviderRegistration.AddProvider(builder.Services, provider, name, configure);
        builder.Services.AddKeyedSingleton<IBatchChatClient>(name, (sp, _) => new OpenAIBatchChatClient(
            ProviderRegistration.OptionsOf(sp, name, provider), ProviderRegistration.HttpClientOf(sp, name, provider),
            sp.GetService<TimeProvider>(), sp.GetService<ILogger<OpenAIBatchChatClient>>()));
        return builder;
    }

    /// <summary>Returns the name of the <see cref="HttpClient"/> a registration sends through, to add handlers with <c>services.AddHttpClient(name)</c>.</summary>
    /// <param name="name">The client's name.</param>
    /// <returns><c>LlmKit.OpenAI.&lt;name&gt;</c>.</returns>
    public static string HttpClientName(string name) => OpenAIProvider.Descriptor.HttpClientName(name);
}
