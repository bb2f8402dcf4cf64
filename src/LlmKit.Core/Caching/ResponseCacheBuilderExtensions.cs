using System.ComponentModel;
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

    /// <summary>The name of the response-cache stage in <see cref="ChatPipelineDescription.StageNames"/>: <c>response-cache</c>.</summary>
    public const string StageName = "response-cache";

    /// <summary>
    /// Adds the response cache to every client (<see cref="ChatPipelineOrder.Cache"/>). It uses the container's
    /// <see cref="HybridCache"/> when there is one (<c>services.AddHybridCache()</c>: concurrent identical calls coalesced
    /// into one model call, entries tagged by prompt version and client), otherwise its <see cref="IDistributedCache"/>
    /// (for example <c>services.AddDistributedMemoryCache()</c>, or a PostgreSQL- or Redis-backed one).
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the options in code; <c>LlmKit:ResponseCache</c> overrides them.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder UseResponseCache(this LlmKitBuilder builder, Action<ResponseCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder, null, configure);
        return builder;
    }

    /// <summary>Adds the response cache to this client only, or gives it its own settings.</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets this client's options in code; <c>LlmKit:ResponseCache:&lt;client&gt;</c> overrides them.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseResponseCache(this LlmKitChatClientBuilder builder, Action<ResponseCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder.LlmKit, builder.Name, configure);
        return builder;
    }

    /// <summary>The former name of <see cref="UseResponseCache(LlmKitBuilder, Action{ResponseCacheOptions})"/>.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the options in code.</param>
    /// <returns>The builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Use UseResponseCache(), which adds the stage for every client as Use… does for one client (LlmKitChatClientBuilder.UseResponseCache).")]
    public static LlmKitBuilder AddResponseCache(this LlmKitBuilder builder, Action<ResponseCacheOptions>? configure = null) => builder.UseResponseCache(configure);

    private static void Use(LlmKitBuilder builder, string? clientName, Action<ResponseCacheOptions>? configure)
    {
        builder.Services.TryAddSingleton<LlmKitInstrumentation>();
        StageOptions.Register(builder, "ResponseCache", clientName, configure);
        StageRegistration.Use(builder, clientName, Stage());
    }

    private static ChatPipelineStage Stage() =>
        new(StageName, ChatPipelineOrder.Cache, ctx =>
        {
            // HybridCache when the app registered one (it keeps using the app's IDistributedCache as its second tier).
            var hybrid = ctx.Services.GetService<HybridCache>();
            var distributed = hybrid is null
                ? ctx.Services.GetService<IDistributedCache>() ?? throw new InvalidOperationException(
                    $"The response cache of chat client '{ctx.ClientName}' needs a HybridCache or an IDistributedCache service. " +
                    "Register one, for example with services.AddHybridCache() (Microsoft.Extensions.Caching.Hybrid) or services.AddDistributedMemoryCache().")
                : null;
            var options = StageOptions.Get<ResponseCacheOptions>(ctx.Services, ctx.ClientName);
            var clientDefaults = ctx.Services.GetRequiredService<IOptionsMonitor<LlmKitClientOptions>>().Get(ctx.ClientName);
            var instrumentation = ctx.Services.GetService<LlmKitInstrumentation>();
            var logger = ctx.Services.GetService<ILogger<ResponseCacheChatClient>>();
            return hybrid is not null
                ? new ResponseCacheChatClient(ctx.InnerClient, hybrid, options, ctx.ClientName, clientDefaults, instrumentation, logger)
                : new ResponseCacheChatClient(ctx.InnerClient, distributed!, options, ctx.ClientName, clientDefaults, instrumentation, logger);
        });
}
