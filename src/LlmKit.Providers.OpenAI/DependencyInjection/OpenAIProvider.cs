using LlmKit.ChatCompletion;

namespace LlmKit.Providers.OpenAI;

/// <summary>The OpenAI side of the code both providers share: its names, headers, settings checks and chat wire format.</summary>
internal static class OpenAIProvider
{
    private static ChatClientCapabilities Capabilities { get; } = new()
    {
        SupportsJsonSchemaResponseFormat = true, SupportsStrictJsonSchema = true, SupportsToolCalling = true,
        SupportsRequiredToolChoice = true, SupportsParallelToolCalls = true,
    };

    public static ProviderDescriptor<OpenAIProviderOptions> Descriptor { get; } = new(
        OpenAIProviderConstants.ProviderName, OpenAIProviderConstants.ConfigurationSection, OpenAIProviderConstants.ApiKeyEnvironmentVariable,
        "api.openai.com", OpenAIProviderConstants.MaxRequestTimeout, DisplayName, Headers, AddFailures)
    {
        SensitiveHeaders = static options => [options.ApiKeyHeaderName],
        Chat = new("chat/completions", static _ => Capabilities, OpenAIChatRequest.Write, OpenAIChatResponse.Read, static () => new OpenAIStreamAssembler()),
    };

    private static string DisplayName(OpenAIProviderOptions options) =>
        "OpenAI-compatible endpoint " + ProviderDescriptor<OpenAIProviderOptions>.NormalizedEndpoint(options).Authority;

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

    private static void AddFailures(string section, OpenAIProviderOptions options, List<string> failures)
    {
        if (!ProviderDescriptor<OpenAIProviderOptions>.IsHeaderName(options.ApiKeyHeaderName))
        {
            failures.Add($"{section}:ApiKeyHeaderName must be an HTTP header name, but was '{options.ApiKeyHeaderName}'.");
        }

        if (options.EmbeddingBatchSize is < 1 or > OpenAIProviderConstants.MaxEmbeddingBatchSize)
        {
            failures.Add($"{section}:EmbeddingBatchSize must be between 1 and {OpenAIProviderConstants.MaxEmbeddingBatchSize}, but was {options.EmbeddingBatchSize}.");
        }

        if (!Enum.IsDefined(options.EmbeddingEncoding))
        {
            failures.Add($"{section}:EmbeddingEncoding must be Base64 or Float, but was {options.EmbeddingEncoding}.");
        }
    }
}
