using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Tools;

/// <summary>Validates <see cref="ToolLoopOptions"/> at startup, naming the configuration key in each failure.</summary>
internal sealed class ToolLoopOptionsValidator : IValidateOptions<ToolLoopOptions>
{
    public ValidateOptionsResult Validate(string? name, ToolLoopOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(failures.Select(f => $"{LlmKitToolsBuilderExtensions.ConfigurationSection}: {f}"));
    }
}
