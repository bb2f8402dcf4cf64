using LlmKit.DependencyInjection;
using LlmKit.Models;
using LlmKit.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where the builder's users already look, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds exact token counting (package LlmKit.Tokens) to LlmKit.</summary>
public static class TokenCountingLlmKitBuilderExtensions
{
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
