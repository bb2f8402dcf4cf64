using Microsoft.Extensions.Options;

namespace LlmKit.DependencyInjection;

/// <summary>Validates every named <see cref="LlmKitClientOptions"/>, naming the configuration key in each failure.</summary>
internal sealed class LlmKitClientOptionsValidator : IValidateOptions<LlmKitClientOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmKitClientOptions options)
    {
        string section = LlmKitBuilder.ClientSectionPath(name ?? Options.DefaultName);
        var failures = new List<string>();

        if (options.Model is { } model && string.IsNullOrWhiteSpace(model))
        {
            failures.Add($"{section}:Model must not be empty or white space when it is set.");
        }

        if (options.Temperature is { } temperature && (float.IsNaN(temperature) || temperature < 0 || temperature > 2))
        {
            failures.Add($"{section}:Temperature must be between 0 and 2, but was {temperature}.");
        }

        if (options.TopP is { } topP && (float.IsNaN(topP) || topP <= 0 || topP > 1))
        {
            failures.Add($"{section}:TopP must be greater than 0 and at most 1, but was {topP}.");
        }

        if (options.MaxOutputTokens is { } maxOutputTokens && maxOutputTokens < 1)
        {
            failures.Add($"{section}:MaxOutputTokens must be at least 1, but was {maxOutputTokens}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
