using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>
/// The one rule every LlmKit capability and provider uses to read its settings: a configuration section is bound
/// only when the app registered an <see cref="IConfiguration"/>, and a key the options class does not have is an
/// error, so a misspelt setting stops the host at start-up instead of being silently ignored.
/// </summary>
public static class LlmKitConfiguration
{
    /// <summary>Binds a configuration section onto an options object, when the app has an <see cref="IConfiguration"/>.</summary>
    /// <param name="services">The service provider to find the configuration in.</param>
    /// <param name="sectionPath">The section, for example <c>LlmKit:Budgets</c>.</param>
    /// <param name="options">The object to bind onto.</param>
    /// <exception cref="InvalidOperationException">The section has a key the options do not have (the message gives its full path and the settings there are), or a value of the wrong type; the message names it.</exception>
    public static void Bind(IServiceProvider services, string sectionPath, object options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        ArgumentNullException.ThrowIfNull(options);
        Bind(services, sectionPath, options, skipChild: null);
    }

    /// <summary>Binds a section, leaving out the children <paramref name="skipChild"/> names (per-client sub-sections).</summary>
    internal static void Bind(IServiceProvider services, string sectionPath, object options, Func<string, bool>? skipChild)
    {
        if (services.GetService(typeof(IConfiguration)) is not IConfiguration configuration)
        {
            return;
        }

        var section = configuration.GetSection(sectionPath);
        var unknown = LlmKit.DependencyInjection.ConfigurationKeys.FindUnknown(section, options.GetType(), skipChild);
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", unknown));
        }

        IConfiguration source = skipChild is null ? section : new LlmKit.DependencyInjection.FilteredConfigurationSection(section, skipChild);
        source.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
    }

    /// <summary>Binds the options from a configuration section by <see cref="Bind(IServiceProvider, string, object)"/>'s rule when they are first read.</summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="builder">The options builder.</param>
    /// <param name="sectionPath">The section, for example <c>LlmKit:Budgets</c>.</param>
    /// <returns>The options builder.</returns>
    public static OptionsBuilder<TOptions> BindLlmKitConfiguration<TOptions>(this OptionsBuilder<TOptions> builder, string sectionPath)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        string prefix = LlmKit.DependencyInjection.LlmKitBuilder.ConfigurationSection + ":";
        if (sectionPath.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            RegisterSection(builder.Services, sectionPath[prefix.Length..].Split(':')[0]);
        }

        return builder.Configure<IServiceProvider>((options, services) => Bind(services, sectionPath, options));
    }

    /// <summary>
    /// Declares a section directly under <c>LlmKit</c> as known, so the start-up check that stops the host on a misspelt
    /// section (<c>LlmKit:Telemtry</c>) accepts it. <see cref="BindLlmKitConfiguration{TOptions}"/> does this for the
    /// sections it binds; call it for a section read any other way.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The section's name under <c>LlmKit</c>, for example <c>Retrieval</c>.</param>
    public static void RegisterSection(IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        services.AddSingleton(new LlmKit.DependencyInjection.LlmKitConfigurationSection(name));
    }
}
