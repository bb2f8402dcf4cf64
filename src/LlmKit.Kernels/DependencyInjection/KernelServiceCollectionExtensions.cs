using LlmKit.Kernels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Extension methods for IServiceCollection live in its namespace, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the similarity kernels to an <see cref="IServiceCollection"/>.</summary>
public static class KernelServiceCollectionExtensions
{
    /// <summary>The configuration section the options bind from: <c>LlmKit:Kernels</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Kernels";

    /// <summary>
    /// Registers one <see cref="SimilarityKernels"/> singleton. Its <see cref="KernelOptions"/> bind from the
    /// configuration section <c>LlmKit:Kernels</c> when the app registered an <see cref="IConfiguration"/> (a key the
    /// options do not have is an error, so a misspelt setting stops the host), then <paramref name="configure"/> runs,
    /// and the result is validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options; omitted, configuration and the defaults apply (automatic backend, all processors).</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddSimilarityKernels(this IServiceCollection services, Action<KernelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<KernelOptions>();
        // The same rule as LlmKit.Core's LlmKitConfiguration.Bind, restated here because LlmKit.Kernels stands alone and
        // does not depend on LlmKit.Core.
        builder.Configure<IServiceProvider>(static (options, provider) =>
        {
            if (provider.GetService(typeof(IConfiguration)) is IConfiguration configuration)
            {
                configuration.GetSection(ConfigurationSection).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
            }
        });
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KernelOptions>, KernelOptionsValidator>());
        services.TryAddSingleton(static sp => new SimilarityKernels(
            sp.GetRequiredService<IOptions<KernelOptions>>(), sp.GetService<ILogger<SimilarityKernels>>()));
        return services;
    }

    // Reports KernelOptions.Validate's own message, which names the setting, its value and the allowed range.
    private sealed class KernelOptionsValidator : IValidateOptions<KernelOptions>
    {
        public ValidateOptionsResult Validate(string? name, KernelOptions options)
        {
            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentOutOfRangeException ex)
            {
                return ValidateOptionsResult.Fail($"KernelOptions.{ex.ParamName} ({ConfigurationSection}:{ex.ParamName}): {ex.Message}");
            }
        }
    }
}
