using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;

namespace LlmKit.Docs.Tests;

/// <summary>
/// docs/configuration.md documents every public options class of the LlmKit assemblies and each of its settings: the
/// class has a <c>### ClassName</c> heading and each setting a table row whose first cell is <c>`ClassName.Property`</c>.
/// </summary>
public sealed class ConfigurationReferenceTests
{
    /// <summary>Shipped projects that hold no configurable options: the source generator and the data/adapter packages.</summary>
    private static readonly string[] WithoutOptions = ["LlmKit.Generators", "LlmKit.Tokens.Data", "LlmKit.Tokens.MicrosoftML"];

    /// <summary>Every package under src/, so a new package's options cannot be left out of the check.</summary>
    private static readonly string[] AssemblyNames =
        Directory.EnumerateDirectories(Path.Combine(DocsPaths.Root, "src"), "LlmKit.*")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => File.Exists(Path.Combine(DocsPaths.Root, "src", name, name + ".csproj")) && !WithoutOptions.Contains(name))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Settings reached through an options class that are not named *Options but are configured the same way.</summary>
    private static readonly Type[] AlsoDocumented = [typeof(LlmKit.Models.ModelOverride), typeof(LlmKit.Budgets.BudgetLimits)];

    public static IEnumerable<Type> OptionsTypes() =>
        AssemblyNames.Select(Assembly.Load)
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsClass && t.Name.EndsWith("Options", StringComparison.Ordinal))
            .Concat(AlsoDocumented)
            .OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>Public settable properties, plus get-only collections and nested options that configuration fills in.</summary>
    public static IEnumerable<PropertyInfo> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Concat(type.BaseType is { } b && b != typeof(object) ? Settings(b) : [])
            .Where(p => p.SetMethod is { IsPublic: true } || IsFilledInPlace(p.PropertyType));

    private static bool IsFilledInPlace(Type type) =>
        type != typeof(string) && !type.Name.StartsWith("IReadOnly", StringComparison.Ordinal) &&
        (typeof(IEnumerable).IsAssignableFrom(type) || type.Name.EndsWith("Options", StringComparison.Ordinal));

    [Fact]
    public void The_reflection_finds_the_options_classes()
    {
        var names = OptionsTypes().Select(t => t.Name).ToList();

        Assert.Contains("ResilienceOptions", names);
        Assert.Contains("ChatRetryOptions", names);
        Assert.Contains("KernelOptions", names);
        Assert.Contains("OpenAIProviderOptions", names);
        Assert.True(names.Count >= 30, $"Only {names.Count} options classes found: {string.Join(", ", names)}");
    }

    [Fact]
    public void Every_options_class_has_a_heading_and_every_setting_a_row()
    {
        string page = File.ReadAllText(Path.Combine(DocsPaths.Docs, "configuration.md"));
        var missing = new List<string>();
        foreach (var type in OptionsTypes())
        {
            if (!Regex.IsMatch(page, $@"^###\s+`?{Regex.Escape(type.Name)}`?\s*$", RegexOptions.Multiline))
            {
                missing.Add($"heading '### {type.Name}' ({type.FullName})");
            }

            foreach (var property in Settings(type))
            {
                string key = $"`{type.Name}.{property.Name}`";
                if (!Regex.IsMatch(page, $@"^\|\s*{Regex.Escape(key)}\s*\|", RegexOptions.Multiline))
                {
                    missing.Add($"row '| {key} | default | range | why |'");
                }
            }
        }

        Assert.True(missing.Count == 0,
            "docs/configuration.md is missing:\n  " + string.Join("\n  ", missing) +
            "\nThe convention is described at the top of docs/configuration.md.");
    }

    [Fact]
    public void Every_documented_setting_still_exists()
    {
        string page = File.ReadAllText(Path.Combine(DocsPaths.Docs, "configuration.md"));
        var known = OptionsTypes().SelectMany(t => Settings(t).Select(p => $"{t.Name}.{p.Name}")).ToHashSet(StringComparer.Ordinal);
        var stale = Regex.Matches(page, @"^\|\s*`(?<key>[A-Za-z0-9]+\.[A-Za-z0-9]+)`\s*\|", RegexOptions.Multiline)
            .Select(m => m.Groups["key"].Value)
            .Where(k => !known.Contains(k))
            .ToList();

        Assert.True(stale.Count == 0, "docs/configuration.md documents settings that do not exist: " + string.Join(", ", stale));
    }
}
