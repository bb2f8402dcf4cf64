using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Resilience;

/// <summary>Validates every named <see cref="ResilienceOptions"/>, naming the configuration key in each failure.</summary>
internal sealed class ResilienceOptionsValidator : IValidateOptions<ResilienceOptions>
{
    public ValidateOptionsResult Validate(string? name, ResilienceOptions options)
    {
        var failures = options.Validate(ResilienceBuilderExtensions.SectionPath(name ?? Options.DefaultName));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
