using LlmKit.DependencyInjection;
using LlmKit.Pipeline;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers tools and the tool loop with LlmKit.</summary>
public static class LlmKitToolsBuilderExtensions
{
    /// <summary>The configuration section the loop's options bind from: <c>LlmKit:ToolLoop</c>.</summary>
    public const string ConfigurationSection = LlmKitBuilder.ConfigurationSection + ":ToolLoop";

    /// <summary>
    /// Registers the generated tools of <typeparamref name="T"/> (its <see cref="LlmToolAttribute"/> methods), registers
    /// <typeparamref name="T"/> itself as a scoped service for its instance methods, and adds the tool loop to every
    /// client's pipeline if it is not there yet.
    /// </summary>
    /// <typeparam name="T">A partial class with <see cref="LlmToolAttribute"/> methods.</typeparam>
    /// <param name="builder">The LlmKit builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddTools<T>(this LlmKitBuilder builder)
        where T : class, ILlmToolSet
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddScoped<T>();
        foreach (var tool in T.GetLlmTools())
        {
            builder.Services.AddSingleton(RegisteredTool.From(tool));
        }

        return builder.UseToolLoop();
    }

    /// <summary>Registers any <see cref="AIFunction"/> (from <c>AIFunctionFactory</c>, an MCP client, …) as a tool, and adds the tool loop.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="function">The function.</param>
    /// <param name="metadata">Its metadata; <see cref="ToolMetadata.Default"/> (or a generated tool's own) when omitted.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddTool(this LlmKitBuilder builder, AIFunction function, ToolMetadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(function);
        builder.Services.AddSingleton(metadata is null ? RegisteredTool.From(function) : new RegisteredTool(function, metadata));
        return builder.UseToolLoop();
    }

    /// <summary>
    /// Adds the tool loop (<see cref="ToolLoopChatClient"/>) to every client's pipeline at
    /// <see cref="ChatPipelineOrder.ToolLoop"/>, once however often it is called, with options bound from
    /// <c>LlmKit:ToolLoop</c> and validated when the host starts.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Changes the options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder UseToolLoop(this LlmKitBuilder builder, Action<ToolLoopOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        bool added = builder.TryUseStage(new ChatPipelineStage("tool-loop", ChatPipelineOrder.ToolLoop, ctx => new ToolLoopChatClient(
            ctx.InnerClient,
            ctx.Services.GetRequiredService<IOptionsMonitor<ToolLoopOptions>>().CurrentValue,
            ctx.Services.GetRequiredService<ToolRegistry>(),
            ctx.Services)));
        if (added)
        {
            // Once, and before any caller's delegate so that code overrides configuration.
            services.AddOptions<ToolLoopOptions>().BindLlmKitConfiguration(ConfigurationSection).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ToolLoopOptions>, ToolLoopOptionsValidator>());
            services.TryAddSingleton(sp => new ToolRegistry(sp.GetServices<RegisteredTool>()));
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder;
    }
}
