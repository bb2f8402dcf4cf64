using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.OpenAI;

/// <summary>The OpenAI side of the code both providers share: its names, headers and settings checks, and its chat client.</summary>
internal static class OpenAIProvider
{
    public static ProviderDescriptor<OpenAIProviderOptions> Descriptor { get; } = new(
        OpenAIProviderConstants.ProviderName, OpenAIProviderConstants.ConfigurationSection, OpenAIProviderConstants.ApiKeyEnvironmentVariable,
        "api.openai.com", OpenAIProviderConstants.MaxRequestTimeout, DisplayName, Headers, AddFailures)
    {
        SensitiveHeaders = static options => [options.ApiKeyHeaderName],
    };

    public static ChatClientCapabilities Capabilities { get; } = new()
    {
        SupportsJsonSchemaResponseFormat = true, SupportsStrictJsonSchema = true, SupportsToolCalling = true,
        SupportsRequiredToolChoice = true, SupportsParallelToolCalls = true,
    };

    /// <summary>Validates the options and builds the chat client behind <see cref="OpenAIChatClient"/>.</summary>
    public static ProviderChatClient Chat(OpenAIProviderOptions options, HttpClient? httpClient, TimeProvider? timeProvider, ILogger? logger)
    {
        var connection = Descriptor.Connect(options, httpClient, timeProvider, logger);
        var endpoint = ProviderDescriptor<OpenAIProviderOptions>.NormalizedEndpoint(options);
        return new ProviderChatClient(
            connection, new Uri(endpoint, "chat/completions"), new ChatClientMetadata(Descriptor.Name, endpoint, options.Model), Capabilities, Descriptor.MissingModel,
            (messages, chatOptions, model, stream) => OpenAIChatRequest.Write(messages, chatOptions, model, stream, options),
            OpenAIChatResponse.Read,
            static () => new OpenAIStreamAssembler());
    }

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
