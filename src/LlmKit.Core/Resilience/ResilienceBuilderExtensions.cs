using LlmKit.DependencyInjection;
using LlmKit.Pipeline;
using LlmKit.Resilience;
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
    /// Adds retries, timeouts, a per-model circuit breaker, optional hedging, local limits and a fallback chain to the
    /// client, at <see cref="ChatPipelineOrder.Resilience"/>. The options are the defaults, then
    /// <paramref name="configure"/>, then the configuration section <c>LlmKit:Resilience:&lt;client&gt;</c> (so
    /// operators can tune a deployed app), and are validated when the host starts. They are read once, when the
    /// client's pipeline is built; the retry budget, circuits and limiters live as long as the client.
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Changes the defaults in code.</param>
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
        string name = builder.Name;
        var options = builder.Services.AddOptions<ResilienceOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.BindLlmKitConfiguration(SectionPath(name))
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResilienceOptions>, ResilienceOptionsValidator>());

        return builder.UseStage(new ChatPipelineStage("resilience", ChatPipelineOrder.Resilience, ctx =>
            new ResilienceChatClient(
                ctx.InnerClient,
                ctx.Services.GetRequiredService<IOptionsMonitor<ResilienceOptions>>().Get(ctx.ClientName),
                ctx.Services,
                ctx.ClientName,
                ctx.Services.GetRequiredService<IOptionsMonitor<LlmKitClientOptions>>().Get(ctx.ClientName).Model)));
    }
}
