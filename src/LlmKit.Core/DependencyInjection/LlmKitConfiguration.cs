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
    /// <exception cref="InvalidOperationException">The section has a key the options do not have, or a value of the wrong type; the message names it.</exception>
    public static void Bind(IServiceProvider services, string sectionPath, object options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        ArgumentNullException.ThrowIfNull(options);
        if (services.GetService(typeof(IConfiguration)) is IConfiguration configuration)
        {
            configuration.GetSection(sectionPath).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
    }

    /// <summary>Binds the options from a configuration section by <see cref="Bind"/>'s rule when they are first read.</summary>
    /// <typeparam name="TOptions">The options type.</typeparam>
    /// <param name="builder">The options builder.</param>
    /// <param name="sectionPath">The section, for example <c>LlmKit:Budgets</c>.</param>
    /// <returns>The options builder.</returns>
    public static OptionsBuilder<TOptions> BindLlmKitConfiguration<TOptions>(this OptionsBuilder<TOptions> builder, string sectionPath)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        return builder.Configure<IServiceProvider>((options, services) => Bind(services, sectionPath, options));
    }
}
