using LlmKit.DependencyInjection;
using LlmKit.Models;
using LlmKit.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where the builder's users already look, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the model catalog and token counting to LlmKit.</summary>
public static class TokenCountingLlmKitBuilderExtensions
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

    /// <summary>
    /// Registers token counting: <see cref="ITokenCounter"/> for the default encoding (<c>o200k_base</c> unless
    /// <c>LlmKit:Tokens:DefaultEncoding</c> says otherwise) and <see cref="IChatTokenCounter"/>
    /// (<see cref="ChatTokenCounter"/>, which picks each model's tokenizer from the catalog). Adds the model catalog
    /// too. Existing registrations are kept.
    /// </summary>
    /// <param name="llmKit">The LlmKit builder.</param>
    /// <param name="configure">Changes applied after configuration, if any.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddTokenCounting(this LlmKitBuilder llmKit, Action<TokenCountingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(llmKit);
        llmKit.AddModelCatalog();
        var options = llmKit.Services.AddOptions<TokenCountingOptions>()
            .BindLlmKitConfiguration(TokenCountingOptions.ConfigurationSection)
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        llmKit.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TokenCountingOptions>, TokenCountingOptionsValidator>());
        llmKit.Services.TryAddSingleton<ITokenCounter>(sp =>
        {
            string encoding = sp.GetRequiredService<IOptions<TokenCountingOptions>>().Value.DefaultEncoding;
            return encoding == "estimate" ? TokenEstimator.Instance : TiktokenEncoding.GetEncoding(encoding);
        });
        llmKit.Services.TryAddSingleton<IChatTokenCounter>(sp =>
            new ChatTokenCounter(sp.GetRequiredService<IModelCatalog>(), sp.GetRequiredService<ITokenCounter>()));
        return llmKit;
    }
}
