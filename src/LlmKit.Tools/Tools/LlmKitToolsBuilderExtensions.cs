using LlmKit.DependencyInjection;
using LlmKit.Pipeline;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers tools and the tool loop with LlmKit, for every client or for one client.</summary>
/// <remarks>
/// Tools added on the <see cref="LlmKitBuilder"/> are offered on every call of every client; tools added on a
/// <see cref="LlmKitChatClientBuilder"/> only on that client's calls (so a triage client doing structured output never
/// carries a support agent's tool schemas). Adding tools adds the tool-loop stage at the same level.
/// </remarks>
public static class LlmKitToolsBuilderExtensions
{
    /// <summary>The configuration section the loop's options bind from: <c>LlmKit:ToolLoop</c> (and <c>LlmKit:ToolLoop:&lt;client&gt;</c>).</summary>
    public const string ConfigurationSection = LlmKitBuilder.ConfigurationSection + ":ToolLoop";

    /// <summary>The name of the tool-loop stage in <see cref="ChatPipelineDescription.StageNames"/>: <c>tool-loop</c>.</summary>
    public const string StageName = "tool-loop";

    /// <summary>
    /// Registers the generated tools of <typeparamref name="T"/> (its <see cref="LlmToolAttribute"/> methods) for every
    /// client, registers <typeparamref name="T"/> itself as a scoped service for its instance methods, and adds the tool loop.
    /// </summary>
    /// <typeparam name="T">A partial class with <see cref="LlmToolAttribute"/> methods.</typeparam>
    /// <param name="builder">The LlmKit builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddTools<T>(this LlmKitBuilder builder)
        where T : class, ILlmToolSet
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddToolSet<T>(builder, null);
        return builder;
    }

    /// <summary>Registers the generated tools of <typeparamref name="T"/> for this client only, and adds the tool loop to it.</summary>
    /// <typeparam name="T">A partial class with <see cref="LlmToolAttribute"/> methods.</typeparam>
    /// <param name="builder">The client's builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder AddTools<T>(this LlmKitChatClientBuilder builder)
        where T : class, ILlmToolSet
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddToolSet<T>(builder.LlmKit, builder.Name);
        return builder;
    }

    /// <summary>Registers any <see cref="AIFunction"/> (from <c>AIFunctionFactory</c>, an MCP client, …) as a tool of every client, and adds the tool loop.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="function">The function.</param>
    /// <param name="metadata">Its metadata; <see cref="ToolMetadata.Default"/> (or a generated tool's own) when omitted.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddTool(this LlmKitBuilder builder, AIFunction function, ToolMetadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(function);
        AddOne(builder, null, metadata is null ? RegisteredTool.From(function) : new RegisteredTool(function, metadata));
        return builder;
    }

    /// <summary>Registers any <see cref="AIFunction"/> as a tool of this client only, and adds the tool loop to it.</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="function">The function.</param>
    /// <param name="metadata">Its metadata; <see cref="ToolMetadata.Default"/> (or a generated tool's own) when omitted.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder AddTool(this LlmKitChatClientBuilder builder, AIFunction function, ToolMetadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(function);
        AddOne(builder.LlmKit, builder.Name, metadata is null ? RegisteredTool.From(function) : new RegisteredTool(function, metadata));
        return builder;
    }

    /// <summary>
    /// Adds the tool loop (<see cref="ToolLoopChatClient"/>) to every client at <see cref="ChatPipelineOrder.ToolLoop"/>,
    /// with options set in code, then from <c>LlmKit:ToolLoop</c>, validated when the host starts.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the options in code; <c>LlmKit:ToolLoop</c> overrides them.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder UseToolLoop(this LlmKitBuilder builder, Action<ToolLoopOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder, null, configure);
        return builder;
    }

    /// <summary>Adds the tool loop to this client only, or gives it its own limits.</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets this client's options in code; <c>LlmKit:ToolLoop:&lt;client&gt;</c> overrides them.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseToolLoop(this LlmKitChatClientBuilder builder, Action<ToolLoopOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder.LlmKit, builder.Name, configure);
        return builder;
    }

    private static void AddToolSet<T>(LlmKitBuilder builder, string? clientName)
        where T : class, ILlmToolSet
    {
        builder.Services.TryAddScoped<T>();
        foreach (var tool in T.GetLlmTools())
        {
            AddOne(builder, clientName, RegisteredTool.From(tool));
        }

        Use(builder, clientName, null);
    }

    private static void AddOne(LlmKitBuilder builder, string? clientName, RegisteredTool tool)
    {
        if (clientName is null)
        {
            builder.Services.AddSingleton(tool);
        }
        else
        {
            builder.Registry.Get(clientName); // a clear error for a client that is not registered
            builder.Services.AddSingleton(new ClientTool(clientName, tool));
        }

        Use(builder, clientName, null);
    }

    private static void Use(LlmKitBuilder builder, string? clientName, Action<ToolLoopOptions>? configure)
    {
        StageOptions.Register(builder, "ToolLoop", clientName, configure);
        StageRegistration.Use(builder, clientName, new ChatPipelineStage(StageName, ChatPipelineOrder.ToolLoop, ctx => new ToolLoopChatClient(
            ctx.InnerClient,
            StageOptions.Get<ToolLoopOptions>(ctx.Services, ctx.ClientName),
            new ToolRegistry(ctx.Services.GetServices<RegisteredTool>().Concat(
                ctx.Services.GetServices<ClientTool>().Where(t => t.ClientName == ctx.ClientName).Select(t => t.Tool))),
            ctx.Services)));
    }
}

/// <summary>A tool registered for one client only.</summary>
internal sealed record ClientTool(string ClientName, RegisteredTool Tool);
