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
        var failures = new List<string>();
        if (options.Endpoint is not { IsAbsoluteUri: true } endpoint || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{section}:Endpoint must be an absolute http or https URL, but was '{options.Endpoint}'.");
        }
        else if (string.IsNullOrWhiteSpace(apiKey) && endpoint.Host.Equals("api.openai.com", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{section}:ApiKey is required for api.openai.com: set it or the {OpenAIProviderConstants.ApiKeyEnvironmentVariable} environment variable.");
        }

        if (string.IsNullOrWhiteSpace(options.ApiKeyHeaderName))
        {
            failures.Add($"{section}:ApiKeyHeaderName must not be empty.");
        }

        if (options.Model is { } model && string.IsNullOrWhiteSpace(model))
        {
            failures.Add($"{section}:Model must not be empty or white space when it is set.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > OpenAIProviderConstants.MaxRequestTimeout)
        {
            failures.Add($"{section}:RequestTimeout must be greater than zero and at most {OpenAIProviderConstants.MaxRequestTimeout}, but was {options.RequestTimeout}.");
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
