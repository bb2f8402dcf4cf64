using LlmKit.Batches;
using LlmKit.DependencyInjection;
using LlmKit.Providers;
using LlmKit.Providers.Anthropic;
using Microsoft.Extensions.Logging;

#pragma warning disable IDE0130 // Extension methods for LlmKit's builders live beside AddLlmKit, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the Anthropic Messages API with LlmKit.</summary>
public static class AnthropicLlmKitBuilderExtensions
{
    /// <summary>
    /// Registers a named chat client backed by the Anthropic Messages API. Its settings are bound from
    /// <c>LlmKit:Anthropic:&lt;name&gt;</c> (see <see cref="AnthropicProviderOptions"/>), then <paramref name="configure"/>
    /// runs, and the result is validated when the host starts. The key falls back to <c>ANTHROPIC_API_KEY</c>. The
    /// client sends through the named <see cref="HttpClient"/> <see cref="HttpClientName"/>, whose HTTP logs never show
    /// the key or account headers.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="name">The client's name, which also names its configuration sections.</param>
    /// <param name="configure">Adjusts the options after configuration binding.</param>
    /// <returns>The builder of the client's pipeline, to add stages.</returns>
    /// <example>
    /// <code>
    /// // "LlmKit": { "Anthropic": { "claude": { "Model": "claude-sonnet-4-5", "CacheSystemPrompt": true } } }
    /// services.AddLlmKit().AddAnthropic("claude");
    /// </code>
    /// </example>
    public static LlmKitChatClientBuilder AddAnthropic(this LlmKitBuilder builder, string name, Action<AnthropicProviderOptions>? configure = null) =>
        ProviderRegistration.AddChatClient(builder, AnthropicProvider.Descriptor, name, configure, static (options, http, sp) =>
            new AnthropicChatClient(options, http, sp.GetService<TimeProvider>(), sp.GetService<ILogger<AnthropicChatClient>>()));

    /// <summary>
    /// Registers a keyed <see cref="IBatchChatClient"/> for Anthropic's Message Batches under <paramref name="name"/>,
    /// configured like <see cref="AddAnthropic"/> from <c>LlmKit:Anthropic:&lt;name&gt;</c> (the same name may serve chat
    /// and batches), for <see cref="ChatBatchRunner"/> (<c>AddChatBatches()</c>) to submit through.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="name">The batch client's service key and configuration name.</param>
    /// <param name="configure">Adjusts the options after configuration binding.</param>
    /// <returns>The LlmKit builder.</returns>
    public static LlmKitBuilder AddAnthropicBatches(this LlmKitBuilder builder, string name, Action<AnthropicProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var provider = AnthropicProvider.Descriptor;
        ProviderRegistration.AddProvider(builder.Services, provider, name, configure);
        builder.Services.AddKeyedSingleton<IBatchChatClient>(name, (sp, _) => new AnthropicBatchChatClient(
            ProviderRegistration.OptionsOf(sp, name, provider), ProviderRegistration.HttpClientOf(sp, name, provider),
            sp.GetService<TimeProvider>(), sp.GetService<ILogger<AnthropicBatchChatClient>>()));
        return builder;
    }

    /// <summary>Returns the name of the <see cref="HttpClient"/> a registration sends through, to add handlers with <c>services.AddHttpClient(name)</c>.</summary>
    /// <param name="name">The client's name.</param>
    /// <returns><c>LlmKit.Anthropic.&lt;name&gt;</c>.</returns>
    public static string HttpClientName(string name) => AnthropicProvider.Descriptor.HttpClientName(name);
}
