using System.ComponentModel;
using LlmKit.DependencyInjection;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the telemetry stage to LlmKit clients.</summary>
public static class TelemetryBuilderExtensions
{
    /// <summary>The configuration section of <see cref="TelemetryOptions"/>: <c>LlmKit:Telemetry</c> (and <c>LlmKit:Telemetry:&lt;client&gt;</c>).</summary>
    public const string ConfigurationSection = "LlmKit:Telemetry";

    /// <summary>The name of the telemetry stage in <see cref="ChatPipelineDescription.StageNames"/>: <c>telemetry</c>.</summary>
    public const string StageName = "telemetry";

    /// <summary>
    /// Adds OpenTelemetry traces and metrics to every client: a root span per logical call, opened by the pipeline head,
    /// and a child span plus the GenAI metrics per upstream call (<see cref="ChatPipelineOrder.Telemetry"/>). Collect them
    /// with <c>.AddSource(LlmKitInstrumentation.Name)</c> and <c>.AddMeter(LlmKitInstrumentation.Name)</c>.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the options in code; <c>LlmKit:Telemetry</c> overrides them.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder UseTelemetry(this LlmKitBuilder builder, Action<TelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder, null, configure);
        builder.Registry.CallTelemetry = true;
        return builder;
    }

    /// <summary>Adds telemetry to this client only (see <see cref="UseTelemetry(LlmKitBuilder, Action{TelemetryOptions})"/>).</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets this client's options in code; <c>LlmKit:Telemetry:&lt;client&gt;</c> overrides them.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseTelemetry(this LlmKitChatClientBuilder builder, Action<TelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder.LlmKit, builder.Name, configure);
        builder.Registration.CallTelemetry = true;
        return builder;
    }

    /// <summary>The former name of <see cref="UseTelemetry(LlmKitBuilder, Action{TelemetryOptions})"/>.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the options in code.</param>
    /// <returns>The builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Use UseTelemetry(), which adds the stage for every client as Use… does for one client (LlmKitChatClientBuilder.UseTelemetry).")]
    public static LlmKitBuilder AddTelemetry(this LlmKitBuilder builder, Action<TelemetryOptions>? configure = null) => builder.UseTelemetry(configure);

    private static void Use(LlmKitBuilder builder, string? clientName, Action<TelemetryOptions>? configure)
    {
        builder.Services.TryAddSingleton<LlmKitInstrumentation>();
        StageOptions.Register(builder, "Telemetry", clientName, configure);
        StageRegistration.Use(builder, clientName, new ChatPipelineStage(StageName, ChatPipelineOrder.Telemetry, ctx => new TelemetryChatClient(
            ctx.InnerClient,
            ctx.Services.GetRequiredService<LlmKitInstrumentation>(),
            StageOptions.Get<TelemetryOptions>(ctx.Services, ctx.ClientName),
            ctx.ClientName,
            ctx.Services.GetService<IModelCatalog>(),
            ctx.Services.GetService<TimeProvider>())));
    }
}
