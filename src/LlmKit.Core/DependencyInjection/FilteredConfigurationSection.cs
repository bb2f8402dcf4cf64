using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace LlmKit.DependencyInjection;

/// <summary>
/// A configuration section seen without some of its children: the per-client sub-sections of a stage's section
/// (<c>LlmKit:Budgets:main</c>), which belong to that client's options rather than to the section's own settings.
/// </summary>
internal sealed class FilteredConfigurationSection(IConfigurationSection inner, Func<string, bool> skipChild) : IConfigurationSection
{
    public string? this[string key]
    {
        get => skipChild(FirstSegment(key)) ? null : inner[key];
        set => inner[key] = value;
    }

    public string Key => inner.Key;

    public string Path => inner.Path;

    public string? Value
    {
        get => inner.Value;
        set => inner.Value = value;
    }

    public IEnumerable<IConfigurationSection> GetChildren() => inner.GetChildren().Where(c => !skipChild(c.Key));

    public IChangeToken GetReloadToken() => inner.GetReloadToken();

    public IConfigurationSection GetSection(string key) => inner.GetSection(key);

    private static string FirstSegment(string key)
    {
        int colon = key.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? key : key[..colon];
    }
}
