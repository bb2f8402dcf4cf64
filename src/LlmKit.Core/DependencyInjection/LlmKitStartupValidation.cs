using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.DependencyInjection;

/// <summary>
/// What <c>AddLlmKit()</c> checks when the host starts (through <c>ValidateOnStart</c>): every section under
/// <c>LlmKit</c> is one a registered capability reads, and every stage's options bind and validate for every client —
/// so a misspelt section, a misspelt key at any depth, or a bad value stops the host with its full path instead of
/// failing the first request, or being ignored.
/// </summary>
internal sealed class LlmKitStartupValidation
{
    /// <summary>Sections of packages that cannot register themselves (LlmKit.Kernels does not reference LlmKit.Core).</summary>
    private static readonly string[] BuiltInSections = ["Clients", "Kernels"];

    internal sealed class Validator(IServiceProvider services, LlmKitRegistry registry) : IValidateOptions<LlmKitStartupValidation>
    {
        public ValidateOptionsResult Validate(string? name, LlmKitStartupValidation options)
        {
            var failures = new List<string>();
            if (services.GetService<IConfiguration>() is { } configuration)
            {
                var known = new HashSet<string>(BuiltInSections, StringComparer.OrdinalIgnoreCase);
                known.UnionWith(services.GetServices<LlmKitConfigurationSection>().Select(s => s.Name));
                foreach (var section in configuration.GetSection(LlmKitBuilder.ConfigurationSection).GetChildren())
                {
                    if (!known.Contains(section.Key))
                    {
                        failures.Add($"{section.Path} is not a section any registered LlmKit capability reads. Known sections: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
                    }
                }
            }

            foreach (var sources in registry.StageOptions)
            {
                foreach (string client in registry.Names.Prepend(Options.DefaultName))
                {
                    try
                    {
                        sources.Get(services, client);
                    }
                    catch (OptionsValidationException ex)
                    {
                        failures.AddRange(ex.Failures);
                    }
                    catch (InvalidOperationException ex)
                    {
                        failures.Add(ex.Message);
                    }
                }
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures.Distinct());
        }
    }
}
