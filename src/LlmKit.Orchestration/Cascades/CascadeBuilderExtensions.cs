using LlmKit.DependencyInjection;
using LlmKit.Models;
using LlmKit.Orchestration.Cascades;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers cascades over named LlmKit clients.</summary>
public static class CascadeBuilderExtensions
{
    /// <summary>
    /// Registers a keyed <see cref="ChatCascade"/> named <paramref name="name"/> whose tiers are named LlmKit clients
    /// (<see cref="CascadeOptions.Tiers"/>, cheapest first), so each tier's calls pass through that client's budget,
    /// resilience, ledger and telemetry. Settings are bound from <c>LlmKit:Cascades:&lt;name&gt;</c>, then
    /// <paramref name="configure"/> runs; when the host starts, the tiers must be registered clients and the settings valid.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="name">The cascade's service key and configuration name.</param>
    /// <param name="configure">Adjusts the settings (tiers, checks, router) after binding.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddLlmKit().AddOpenAI("mini", o => o.Model = "gpt-4o-mini").AddOpenAI("strong", o => o.Model = "gpt-4o")
    ///     .AddCascade("answers", o => { o.Tiers.Add("mini"); o.Tiers.Add("strong"); o.MinConfidence = 0.7; });
    /// var cascade = provider.GetRequiredKeyedService&lt;ChatCascade&gt;("answers");
    /// </code>
    /// </example>
    public static LlmKitBuilder AddCascade(this LlmKitBuilder builder, string name, Action<CascadeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = builder.Services.AddOptions<CascadeOptions>(name)
            .BindLlmKitConfiguration($"{CascadeConstants.ConfigurationSection}:{name}")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!builder.Services.Any(d => d.ServiceType == typeof(IValidateOptions<CascadeOptions>)))
        {
            builder.Services.AddSingleton<IValidateOptions<CascadeOptions>, CascadeOptionsValidator>();
        }

        builder.Services.AddKeyedSingleton(name, (sp, _) =>
        {
            var settings = sp.GetRequiredService<IOptionsMonitor<CascadeOptions>>().Get(name);
            var clients = sp.GetRequiredService<ILlmKitChatClients>();
            return new ChatCascade(
                settings.Tiers.Select(tier => new CascadeTier(tier, clients.GetChatClient(tier))).ToArray(),
                settings, sp.GetService<IModelCatalog>(), sp.GetService<ILogger<ChatCascade>>());
        });
        return builder;
    }

    private sealed class CascadeOptionsValidator(ILlmKitChatClients clients, IServiceProvider services) : IValidateOptions<CascadeOptions>
    {
        public ValidateOptionsResult Validate(string? name, CascadeOptions options)
        {
            string section = $"{CascadeConstants.ConfigurationSection}:{name}";
            var failures = options.Validate(section).ToList();
            if (options.Tiers.Count == 0)
            {
                failures.Add($"{section}:Tiers must name the cascade's clients, cheapest first.");
            }

            foreach (string tier in options.Tiers.Where(t => !clients.Names.Contains(t)))
            {
                failures.Add($"{section}:Tiers names client '{tier}', which is not registered (registered: {string.Join(", ", clients.Names)}).");
            }

            if (options.MaxCost is not null && services.GetService<IModelCatalog>() is null)
            {
                failures.Add($"{section}:MaxCost needs the model catalog to price the tiers: call AddModelCatalog().");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
