using LlmKit.Caching;
using LlmKit.DependencyInjection;
using LlmKit.Pipeline;
using LlmKit.Telemetry;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the response cache stage to LlmKit clients.</summary>
public static class ResponseCacheBuilderExtensions
{
    /// <summary>The configuration section of <see cref="ResponseCacheOptions"/>: <c>LlmKit:ResponseCache</c>.</summary>
    public const string ConfigurationSection = "LlmKit:ResponseCache";

    /// <summary>
    /// Adds the response cache to every client (once, however often it is called). It uses the container's
    /// <see cref="HybridCache"/> when there is one (<c>services.AddHybridCache()</c>: concurrent identical calls coalesced
    /// into one model call, entries tagged by prompt version and client), otherwise its <see cref="IDistributedCache"/>
    /// (for example <c>services.AddDistributedMemoryCache()</c>, or a PostgreSQL- or Redis-backed one).
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:ResponseCache</c>.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddResponseCache(this LlmKitBuilder builder, Action<ResponseCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, Microsoft.Extensions.Options.Options.DefaultName, configure);
        builder.TryUseStage(Stage(Microsoft.Extensions.Options.Options.DefaultName)); // a second call only adds configuration
        return builder;
    }

    /// <summary>Adds the response cache to this client only, with its own settings.</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:ResponseCache</c>.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseResponseCache(this LlmKitChatClientBuilder builder, Action<ResponseCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, builder.Name, configure);
        return builder.UseStage(Stage(builder.Name));
    }

    private static void Register(IServiceCollection services, string optionsName, Action<ResponseCacheOptions>? configure)
    {
        services.TryAddSingleton<LlmKitInstrumentation>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResponseCacheOptions>, ResponseCacheOptionsValidator>());
        var options = services.AddOptions<ResponseCacheOptions>(optionsName)
            .BindLlmKitConfiguration(ConfigurationSection)
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
    }

    private static ChatPipelineStage Stage(string optionsName) =>
        new("response-cache", ChatPipelineOrder.Cache, ctx =>
        {
            // HybridCache when the app registered one (it keeps using the app's IDistributedCache as its second tier).
            var hybrid = ctx.Services.GetService<HybridCache>();
            var distributed = hybrid is null
                ? ctx.Services.GetService<IDistributedCache>() ?? throw new InvalidOperationException(
                    $"The response cache of chat client '{ctx.ClientName}' needs a HybridCache or an IDistributedCache service. " +
                    "Register one, for example with services.AddHybridCache() (Microsoft.Extensions.Caching.Hybrid) or services.AddDistributedMemoryCache().")
                : null;
            var options = ctx.Services.GetRequiredService<IOptionsMonitor<ResponseCacheOptions>>().Get(optionsName);
            var clientDefaults = ctx.Services.GetRequiredService<IOptionsMonitor<LlmKitClientOptions>>().Get(ctx.ClientName);
            var instrumentation = ctx.Services.GetService<LlmKitInstrumentation>();
            var logger = ctx.Services.GetService<ILogger<ResponseCacheChatClient>>();
            return hybrid is not null
                ? new ResponseCacheChatClient(ctx.InnerClient, hybrid, options, ctx.ClientName, clientDefaults, instrumentation, logger)
                : new ResponseCacheChatClient(ctx.InnerClient, distributed!, options, ctx.ClientName, clientDefaults, instrumentation, logger);
        });

    private sealed class ResponseCacheOptionsValidator : IValidateOptions<ResponseCacheOptions>
    {
        public ValidateOptionsResult Validate(string? name, ResponseCacheOptions options)
        {
            var failures = options.Validate(ConfigurationSection).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
