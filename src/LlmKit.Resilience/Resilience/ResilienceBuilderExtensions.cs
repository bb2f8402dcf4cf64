using LlmKit.DependencyInjection;
using LlmKit.Pipeline;
using LlmKit.Resilience;
using LlmKit.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live in the DI namespace, next to AddLlmKit, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the resilience stage (<see cref="ResilienceChatClient"/>) to a named LlmKit client.</summary>
public static class ResilienceBuilderExtensions
{
    /// <summary>The configuration section of a client's resilience options: <c>LlmKit:Resilience:&lt;client&gt;</c>.</summary>
    /// <param name="clientName">The client's name.</param>
    /// <returns>The section path.</returns>
    public static string SectionPath(string clientName) => $"{LlmKitBuilder.ConfigurationSection}:Resilience:{clientName}";

    /// <summary>
    /// Adds retries, timeouts, a per-model circuit breaker, optional hedging, local limits and a fallback chain to every
    /// client, at <see cref="ChatPipelineOrder.Resilience"/> (the fallback chain is carried out by the routing stage).
    /// The options are the defaults, then <paramref name="configure"/>, then <c>LlmKit:Resilience</c>, then a client's
    /// own code and <c>LlmKit:Resilience:&lt;client&gt;</c>, and are validated when the host starts. They are read once,
    /// when a client's pipeline is built; the retry budget, circuits and limiters live as long as the client.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the options of every client in code.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder UseResilience(this LlmKitBuilder builder, Action<ResilienceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder, null, configure);
        return builder;
    }

    /// <summary>Adds resilience to this client only, or gives it its own settings (see <see cref="UseResilience(LlmKitBuilder, Action{ResilienceOptions})"/>).</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets this client's options in code.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddLlmKit()
    ///     .AddChatClient("cheap", sp => cheapModel).LlmKit
    ///     .AddChatClient("main", sp => mainModel)
    ///     .UseResilience(o =>
    ///     {
    ///         o.Fallback.ClientNames.Add("cheap");
    ///         o.Fallback.DegradedResponseText = "The assistant is busy; please try again in a minute.";
    ///     });
    /// </code>
    /// </example>
    public static LlmKitChatClientBuilder UseResilience(this LlmKitChatClientBuilder builder, Action<ResilienceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder.LlmKit, builder.Name, configure);
        return builder;
    }

    private static void Use(LlmKitBuilder builder, string? clientName, Action<ResilienceOptions>? configure)
    {
        StageOptions.Register(builder, "Resilience", clientName, configure);
        builder.Services.TryAddSingleton<IFallbackChains, ResilienceFallbackChains>();
        StageRegistration.Use(builder, clientName, new ChatPipelineStage("resilience", ChatPipelineOrder.Resilience, ctx =>
            new ResilienceChatClient(
                ctx.InnerClient,
                StageOptions.Get<ResilienceOptions>(ctx.Services, ctx.ClientName),
                ctx.Services,
                ctx.ClientName,
                ctx.Services.GetRequiredService<IOptionsMonitor<LlmKitClientOptions>>().Get(ctx.ClientName).Model)));
    }
}
