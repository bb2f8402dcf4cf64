using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.Anthropic;

/// <summary>The Anthropic side of the code both providers share: its names, its headers, its connection.</summary>
internal static class AnthropicProvider
{
    public static ProviderDescriptor Descriptor { get; } = new(
        AnthropicProviderConstants.ProviderName, AnthropicProviderConstants.ConfigurationSection, "LlmKit.Anthropic.",
        AnthropicProviderConstants.ApiKeyEnvironmentVariable, "api.anthropic.com", AnthropicProviderConstants.MaxRequestTimeout);

    /// <summary>Validates the options and opens the connection the chat client sends through.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ProviderConnection Connect(AnthropicProviderOptions options, HttpClient? httpClient, TimeProvider? timeProvider, ILogger? logger)
    {
        string? apiKey = options.ResolveApiKey();
        ProviderOptionsRules.ThrowIfAny(AnthropicProviderOptionsValidator.Failures(nameof(AnthropicProviderOptions), options, apiKey), nameof(options));
        return new ProviderConnection(
            AnthropicProviderConstants.ProviderName, "The Anthropic API", apiKey, Headers(options, apiKey), options.RequestTimeout, httpClient, timeProvider, logger);
    }

    /// <summary>The headers that carry credentials, beyond the standard ones, for log redaction: none.</summary>
    public static IEnumerable<string> SensitiveHeaders(AnthropicProviderOptions options) => [];

    private static IEnumerable<KeyValuePair<string, string>> Headers(AnthropicProviderOptions options, string? apiKey)
    {
        if (!string.IsNullOrEmpty(apiKey))
        {
            yield return new("x-api-key", apiKey);
        }

        yield return new("anthropic-version", options.ApiVersion);
        if (options.BetaFeatures.Count > 0)
        {
            yield return new("anthropic-beta", string.Join(',', options.BetaFeatures));
        }
    }
}
