using LlmKit.Kernels;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Extension methods for IServiceCollection live in its namespace, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the similarity kernels to an <see cref="IServiceCollection"/>.</summary>
public static class KernelServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="SimilarityKernels"/> singleton; its <see cref="KernelOptions"/> are validated when the
    /// host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options; omitted, the defaults apply (automatic backend, all processors).</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddSimilarityKernels(this IServiceCollection services, Action<KernelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<KernelOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(
            static o =>
            {
                try
                {
                    o.Validate();
                    return true;
                }
                catch (ArgumentOutOfRangeException)
                {
                    return false;
                }
            },
            "KernelOptions has a value out of range; see KernelOptions.Validate for the allowed ranges.")
            .ValidateOnStart();
        services.TryAddSingleton(static sp => new SimilarityKernels(
            sp.GetRequiredService<IOptions<KernelOptions>>(), sp.GetService<ILogger<SimilarityKernels>>()));
        return services;
    }
}
