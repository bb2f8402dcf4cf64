using Microsoft.Extensions.Options;

namespace LlmKit.Providers;

/// <summary>Validates a provider's options when the host starts, naming the configuration key in each failure.</summary>
internal sealed class ProviderOptionsValidator<TOptions>(ProviderDescriptor<TOptions> provider) : IValidateOptions<TOptions>
    where TOptions : class, IProviderOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = provider.Failures($"{provider.ConfigurationSection}:{name ?? Options.DefaultName}", options, provider.ResolveApiKey(options));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
