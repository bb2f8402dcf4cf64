using Microsoft.Extensions.Options;

namespace LlmKit.Providers.OpenAI;

/// <summary>Validates <see cref="OpenAIProviderOptions"/>, naming the configuration key in each failure.</summary>
internal sealed class OpenAIProviderOptionsValidator : IValidateOptions<OpenAIProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenAIProviderOptions options)
    {
        var failures = Failures($"{OpenAIProviderConstants.ConfigurationSection}:{name ?? Options.DefaultName}", options, options.ResolveApiKey());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static List<string> Failures(string section, OpenAIProviderOptions options, string? apiKey)
    {
        var failures = ProviderOptionsRules.Failures(section, options, OpenAIProvider.Descriptor, apiKey);
        if (!ProviderOptionsRules.IsHeaderName(options.ApiKeyHeaderName))
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

        return failures;
    }
}
