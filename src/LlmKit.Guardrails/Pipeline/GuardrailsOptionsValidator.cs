using LlmKit.Guardrails.Injection;
using LlmKit.Guardrails.Pii;
using Microsoft.Extensions.Options;

namespace LlmKit.Guardrails.Pipeline;

/// <summary>Validates the guardrail options at start-up; a failure names the setting and its configuration section.</summary>
internal sealed class GuardrailsOptionsValidator : IValidateOptions<PiiRedactionOptions>, IValidateOptions<InjectionScreeningOptions>
{
    public ValidateOptionsResult Validate(string? name, PiiRedactionOptions options) =>
        Result(GuardrailsConfiguration.PiiSection, options.Validate());

    public ValidateOptionsResult Validate(string? name, InjectionScreeningOptions options) =>
        Result(GuardrailsConfiguration.InjectionSection, options.Validate());

    private static ValidateOptionsResult Result(string section, IReadOnlyList<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures.Select(f => $"{section}: {f}"));
}

/// <summary>The configuration sections of the guardrails.</summary>
public static class GuardrailsConfiguration
{
    /// <summary>The section of <see cref="PiiRedactionOptions"/>: <c>LlmKit:Guardrails:Pii</c>.</summary>
    public const string PiiSection = "LlmKit:Guardrails:Pii";

    /// <summary>The section of <see cref="InjectionScreeningOptions"/>: <c>LlmKit:Guardrails:Injection</c>.</summary>
    public const string InjectionSection = "LlmKit:Guardrails:Injection";

    /// <summary>The section of <see cref="OutputGuards.OutputGuardOptions"/>: <c>LlmKit:Guardrails:Output</c>.</summary>
    public const string OutputSection = "LlmKit:Guardrails:Output";
}
