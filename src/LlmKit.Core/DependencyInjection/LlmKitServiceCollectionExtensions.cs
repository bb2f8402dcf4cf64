using LlmKit.DependencyInjection;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Extension methods for IServiceCollection live in its namespace, as in Microsoft.Extensions.*.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds LlmKit to an <see cref="IServiceCollection"/>.</summary>
public static class LlmKitServiceCollectionExtensions
{
    /// <summary>
    /// Adds LlmKit's core services and returns the builder for named chat clients and pipeline stages. Calling it
    /// again returns a builder over the same registrations.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The LlmKit builder.</returns>
    /// <example>
    /// <code>
    /// services.AddLlmKit()
    ///     .AddChatClient("gpt", sp => new MyProviderClient())
    ///     .UseStage(new ChatPipelineStage("audit", 250, ctx => new AuditChatClient(ctx.InnerClient)));
    /// </code>
    /// </example>
    public static LlmKitBuilder AddLlmKit(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(LlmKitRegistry) && !d.IsKeyedService);
        if (existing?.ImplementationInstance is LlmKitRegistry known)
        {
            return new LlmKitBuilder(services, known);
        }

        var registry = new LlmKitRegistry();
        services.AddSingleton(registry);
        services.AddSingleton<ILlmKitChatClients>(sp => new LlmKitChatClients(registry, sp));
        services.AddSingleton(sp => new LlmKitPipelines(registry, sp));
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmKitClientOptions>, LlmKitClientOptionsValidator>());
        services.AddSingleton<IValidateOptions<LlmKitStartupValidation>>(sp => new LlmKitStartupValidation.Validator(sp, registry));
        services.AddOptions<LlmKitStartupValidation>().ValidateOnStart();
        services.TryAddSingleton<IChatClient>(sp =>
        {
            string name = registry.EffectiveDefaultName ?? throw new InvalidOperationException(
                "No chat client is registered with LlmKit. Call services.AddLlmKit().AddChatClient(name, factory) first.");
            return sp.GetRequiredKeyedService<IChatClient>(name);
        });

        return new LlmKitBuilder(services, registry);
    }
}
