using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace LlmKit.DependencyInjection;

/// <summary>
/// The one validator of every stage's options, as Polly.Core validates through one helper: the DataAnnotations of the
/// options and of every nested settings object and dictionary value (so <c>Tenants:acme:CostPerDay</c> is named with
/// its tenant), then the options' own cross-setting rules (<see cref="IValidatableOptions"/>). Each failure names its
/// full configuration key.
/// </summary>
internal sealed class LlmKitOptionsValidator<TOptions>(StageOptionsSources<TOptions> sources) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = OptionsValidation.Validate(options, sources.PathFor(name ?? Options.DefaultName));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The validation of any LlmKit options object, for the start-up validator and for stages built by hand.</summary>
internal static class OptionsValidation
{
    /// <summary>Returns every problem: the DataAnnotations of the whole settings graph, then the object's own rules.</summary>
    public static List<string> Validate(object options, string path)
    {
        var failures = new List<string>();
        Annotations.Check(options, path, failures, depth: 0);
        if (options is IValidatableOptions own)
        {
            failures.AddRange(own.Validate(path));
        }

        return failures;
    }
}

/// <summary>DataAnnotations over an object graph of settings, with configuration paths.</summary>
internal static class Annotations
{
    public static void Check(object instance, string path, List<string> failures, int depth)
    {
        if (depth > 8)
        {
            return;
        }

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true))
        {
            foreach (var result in results)
            {
                string member = result.MemberNames.FirstOrDefault() ?? string.Empty;
                failures.Add($"{path}:{member}: {result.ErrorMessage}");
            }
        }

        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !IsSettingsObject(property.PropertyType))
            {
                continue;
            }

            switch (property.GetValue(instance))
            {
                case null:
                    break;
                case IDictionary dictionary:
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        if (entry.Value is { } value && IsSettingsObject(value.GetType()))
                        {
                            Check(value, $"{path}:{property.Name}:{entry.Key}", failures, depth + 1);
                        }
                    }

                    break;
                case IEnumerable:
                    break;
                case var nested:
                    Check(nested, $"{path}:{property.Name}", failures, depth + 1);
                    break;
            }
        }
    }

    // Settings classes of LlmKit (nested options, per-tenant limits) and dictionaries of them; not strings, values or services.
    private static bool IsSettingsObject(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(Delegate).IsAssignableFrom(type) &&
        (type.Namespace?.StartsWith("LlmKit", StringComparison.Ordinal) == true ||
         (typeof(IDictionary).IsAssignableFrom(type) && type.IsGenericType && type.GetGenericArguments() is [_, var value] && IsSettingsObject(value)));
}
