using LlmKit.DependencyInjection;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the telemetry stage to LlmKit clients.</summary>
public static class TelemetryBuilderExtensions
{
    /// <summary>The configuration section of <see cref="TelemetryOptions"/>: <c>LlmKit:Telemetry</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Telemetry";

    /// <summary>The name of the telemetry stage in <see cref="ChatPipelineDescription.StageNames"/>: <c>telemetry</c>.</summary>
    public const string StageName = "telemetry";

    /// <summary>
    /// Adds OpenTelemetry spans and metrics to every client. Collect them with
    /// <c>.AddSource(LlmKitInstrumentation.Name)</c> and <c>.AddMeter(LlmKitInstrumentation.Name)</c>.
    /// Calling it again only adds further configuration.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:Telemetry</c>.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddTelemetry(this LlmKitBuilder builder, Action<TelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<TelemetryOptions>();
        bool added = builder.TryUseStage(new ChatPipelineStage(StageName, ChatPipelineOrder.Telemetry, ctx => new TelemetryChatClient(
            ctx.InnerClient,
            ctx.Services.GetRequiredService<LlmKitInstrumentation>(),
            ctx.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value,
            ctx.ClientName,
            ctx.Services.GetService<IModelCatalog>(),
            ctx.Services.GetService<TimeProvider>())));
        if (added)
        {
            builder.Registry.CallTelemetry = true; // the head's root span per logical call; the stage adds the children
            // Once: configuration binding must run before every caller's delegate.
            builder.Services.TryAddSingleton<LlmKitInstrumentation>();
            options.BindLlmKitConfiguration(ConfigurationSection);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }
}
