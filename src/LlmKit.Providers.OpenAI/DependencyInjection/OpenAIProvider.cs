using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.OpenAI;

/// <summary>The OpenAI side of the code both providers share: its names, its headers, its connection.</summary>
internal static class OpenAIProvider
{
    public static ProviderDescriptor Descriptor { get; } = new(
        OpenAIProviderConstants.ProviderName, OpenAIProviderConstants.ConfigurationSection, "LlmKit.OpenAI.",
        OpenAIProviderConstants.ApiKeyEnvironmentVariable, "api.openai.com", OpenAIProviderConstants.MaxRequestTimeout);

    /// <summary>Validates the options and opens the connection the chat client and the embedding generator send through.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ProviderConnection Connect(OpenAIProviderOptions options, HttpClient? httpClient, TimeProvider? timeProvider, ILogger? logger)
    {
        string? apiKey = options.ResolveApiKey();
        ProviderOptionsRules.ThrowIfAny(OpenAIProviderOptionsValidator.Failures(nameof(OpenAIProviderOptions), options, apiKey), nameof(options));
        return new ProviderConnection(
            OpenAIProviderConstants.ProviderName, "OpenAI-compatible endpoint " + options.NormalizedEndpoint.Authority, apiKey,
            Headers(options, apiKey), options.RequestTimeout, httpClient, timeProvider, logger);
    }

    /// <summary>The headers that carry credentials and account identifiers, for log redaction.</summary>
    public static IEnumerable<string> SensitiveHeaders(OpenAIProviderOptions options) => [options.ApiKeyHeaderName];

    private static IEnumerable<KeyValuePair<string, string>> Headers(OpenAIProviderOptions options, string? apiKey)
    {
        if (!string.IsNullOrEmpty(apiKey))
        {
            yield return string.Equals(options.ApiKeyHeaderName, "Authorization", StringComparison.OrdinalIgnoreCase)
                ? new("Authorization", "Bearer " + apiKey)
                : new(options.ApiKeyHeaderName, apiKey);
        }

        if (options.Organization is { Length: > 0 } organization)
        {
            yield return new("OpenAI-Organization", organization);
        }

        if (options.Project is { Length: > 0 } project)
        {
            yield return new("OpenAI-Project", project);
        }
    }
}
