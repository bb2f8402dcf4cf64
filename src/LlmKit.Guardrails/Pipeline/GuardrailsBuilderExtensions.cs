using LlmKit.DependencyInjection;
using LlmKit.Guardrails.Injection;
using LlmKit.Guardrails.OutputGuards;
using LlmKit.Guardrails.Pii;
using LlmKit.Guardrails.Pipeline;
using LlmKit.Pipeline;
using LlmKit.Tools;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the guardrail stages (PII redaction, injection screening, output guards) to LlmKit clients.</summary>
/// <remarks>
/// Each method exists at two levels with the same name: on <see cref="LlmKitBuilder"/> for every client (once, however
/// often it is called; a second call only adds configuration), and on <see cref="LlmKitChatClientBuilder"/> for one
/// client with its own settings. PII redaction and injection screening also register the tool-call filter that does
/// their work inside the tool loop.
/// </remarks>
public static class GuardrailsBuilderExtensions
{
    /// <summary>
    /// Redacts personal and secret data in every call of every client before telemetry, the ledger, the cache, the
    /// tool loop or the provider sees it, and restores placeholders in answers and tool arguments. Settings bind from
    /// <c>LlmKit:Guardrails:Pii</c> and are validated when the host starts.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder UsePiiRedaction(this LlmKitBuilder builder, Action<PiiRedactionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, GuardrailsConfiguration.PiiSection, Options.Options.DefaultName, configure);
        builder.TryUseStage(PiiStage(Options.Options.DefaultName));
        return builder;
    }

    /// <summary>Redacts personal and secret data in this client's calls, with its own settings.</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Adjusts the settings after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UsePiiRedaction(this LlmKitChatClientBuilder builder, Action<PiiRedactionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, GuardrailsConfiguration.PiiSection, builder.Name, configure);
        return builder.UseStage(PiiStage(builder.Name));
    }

    /// <summary>
    /// Screens untrusted content of every client's calls (parts marked with <see cref="UntrustedContent"/>, tool
    /// results) for planted instructions, with an action per source. Settings bind from
    /// <c>LlmKit:Guardrails:Injection</c> and are validated when the host starts.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder UseInjectionScreening(this LlmKitBuilder builder, Action<InjectionScreeningOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, GuardrailsConfiguration.InjectionSection, Options.Options.DefaultName, configure);
        builder.Services.TryAddSingleton<EveryClientScreening>();
        builder.TryUseStage(InjectionStage(Options.Options.DefaultName));
        return builder;
    }

    /// <summary>Screens untrusted content of this client's calls, with its own settings.</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Adjusts the settings after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseInjectionScreening(this LlmKitChatClientBuilder builder, Action<InjectionScreeningOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, GuardrailsConfiguration.InjectionSection, builder.Name, configure);
        return builder.UseStage(InjectionStage(builder.Name));
    }

    /// <summary>Checks every client's answers with output guards before they are returned.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adds the guards.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder UseOutputGuards(this LlmKitBuilder builder, Action<OutputGuardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        Register(builder.Services, GuardrailsConfiguration.OutputSection, Options.Options.DefaultName, configure);
        builder.TryUseStage(OutputStage(Options.Options.DefaultName));
        return builder;
    }

    /// <summary>Checks this client's answers with output guards before they are returned.</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Adds the guards.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseOutputGuards(this LlmKitChatClientBuilder builder, Action<OutputGuardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        Register(builder.Services, GuardrailsConfiguration.OutputSection, builder.Name, configure);
        return builder.UseStage(OutputStage(builder.Name));
    }

    private static void Register<TOptions>(IServiceCollection services, string section, string optionsName, Action<TOptions>? configure)
        where TOptions : class
    {
        services.TryAddSingleton(sp => new GuardrailsTelemetry(sp.GetService<ILogger<GuardrailsTelemetry>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IToolCallFilter, GuardrailsToolCallFilter>(sp => new GuardrailsToolCallFilter(
            sp.GetRequiredService<GuardrailsTelemetry>(),
            sp.GetService<EveryClientScreening>() is null ? null
                : new InjectionScreen(sp.GetRequiredService<IOptionsMonitor<InjectionScreeningOptions>>().Get(Options.Options.DefaultName)))));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PiiRedactionOptions>, GuardrailsOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InjectionScreeningOptions>, GuardrailsOptionsValidator>());
        var options = services.AddOptions<TOptions>(optionsName).BindLlmKitConfiguration(section).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
    }

    /// <summary>Marks that screening was added for every client, so loops entered from outside a pipeline screen too.</summary>
    private sealed class EveryClientScreening;

    private static ChatPipelineStage PiiStage(string optionsName) =>
        new("pii-redaction", GuardrailsPipelineOrder.PiiRedaction, ctx => new PiiRedactionChatClient(
            ctx.InnerClient,
            new PiiRedactor(ctx.Services.GetRequiredService<IOptionsMonitor<PiiRedactionOptions>>().Get(optionsName)),
            ctx.Services.GetService<ILogger<PiiRedactionChatClient>>()));

    private static ChatPipelineStage InjectionStage(string optionsName) =>
        new("injection-screening", GuardrailsPipelineOrder.InjectionScreening, ctx => new InjectionScreeningChatClient(
            ctx.InnerClient,
            new InjectionScreen(ctx.Services.GetRequiredService<IOptionsMonitor<InjectionScreeningOptions>>().Get(optionsName)),
            ctx.Services.GetRequiredService<GuardrailsTelemetry>()));

    private static ChatPipelineStage OutputStage(string optionsName) =>
        new("output-guards", GuardrailsPipelineOrder.OutputGuards, ctx => new OutputGuardChatClient(
            ctx.InnerClient,
            ctx.Services.GetRequiredService<IOptionsMonitor<OutputGuardOptions>>().Get(optionsName)));
}
