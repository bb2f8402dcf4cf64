using LlmKit.DependencyInjection;
using LlmKit.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where the builder's users already look, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the model catalog (prices, context windows, tokenizers of known models) to LlmKit.</summary>
public static class ModelCatalogLlmKitBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="IModelCatalog"/> (<see cref="ModelCatalog"/>): LlmKit's shipped model data with the overrides
    /// of configuration section <c>LlmKit:Models</c> and of <paramref name="configure"/>, validated when the host starts.
    /// </summary>
    /// <param name="llmKit">The LlmKit builder.</param>
    /// <param name="configure">Changes applied after configuration, if any.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddModelCatalog(this LlmKitBuilder llmKit, Action<ModelCatalogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(llmKit);
        LlmKitConfiguration.RegisterSection(llmKit.Services, "Models");
        var options = llmKit.Services.AddOptions<ModelCatalogOptions>()
            .Configure<IServiceProvider>((o, sp) => LlmKitConfiguration.Bind(sp, ModelCatalogConstants.ConfigurationSection, o.Models))
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        llmKit.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelCatalogOptions>, ModelCatalogOptionsValidator>());
        llmKit.Services.TryAddSingleton<IModelCatalog, ModelCatalog>();
        return llmKit;
    }
}
