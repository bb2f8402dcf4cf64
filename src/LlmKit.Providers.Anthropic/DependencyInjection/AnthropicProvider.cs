using LlmKit.ChatCompletion;

namespace LlmKit.Providers.Anthropic;

/// <summary>The Anthropic side of the code both providers share: its names, headers, settings checks and chat wire format.</summary>
internal static class AnthropicProvider
{
    public static ProviderDescriptor<AnthropicProviderOptions> Descriptor { get; } = new(
        AnthropicProviderConstants.ProviderName, AnthropicProviderConstants.ConfigurationSection, AnthropicProviderConstants.ApiKeyEnvironmentVariable,
        "api.anthropic.com", AnthropicProviderConstants.MaxRequestTimeout, static _ => "The Anthropic API", Headers, AddFailures)
    {
        Chat = new("v1/messages", CapabilitiesOf, AnthropicChatRequest.Write, AnthropicChatResponse.Read, static () => new AnthropicStreamAssembler()),
    };

    private static ChatClientCapabilities CapabilitiesOf(AnthropicProviderOptions options) => new()
    {
        SupportsJsonSchemaResponseFormat = options.NativeStructuredOutput,
        SupportsStrictJsonSchema = options.NativeStructuredOutput, // output_config.format always decodes under the schema
        SupportsToolCalling = true,
        SupportsRequiredToolChoice = options.ThinkingBudgetTokens is null, // the API refuses forced tools while thinking
        SupportsParallelToolCalls = true,
    };

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

    private static void AddFailures(string section, AnthropicProviderOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.ApiVersion))
        {
            failures.Add($"{section}:ApiVersion must not be empty.");
        }

        if (options.DefaultMaxOutputTokens < 1)
        {
            failures.Add($"{section}:DefaultMaxOutputTokens must be at least 1, but was {options.DefaultMaxOutputTokens}.");
        }

        if (options.ThinkingBudgetTokens is { } budget && budget < AnthropicProviderConstants.MinThinkingBudgetTokens)
        {
            failures.Add($"{section}:ThinkingBudgetTokens must be at least {AnthropicProviderConstants.MinThinkingBudgetTokens} when it is set, but was {budget}.");
        }
    }
}
