using System.ComponentModel;
using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.Telemetry;
using LlmKit.Tokens;
using LlmKit.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the budget stage to LlmKit clients.</summary>
public static class BudgetBuilderExtensions
{
    /// <summary>The configuration section of <see cref="BudgetOptions"/>: <c>LlmKit:Budgets</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Budgets";

    /// <summary>The name of the budget stage in <see cref="ChatPipelineDescription.StageNames"/>: <c>budget</c>.</summary>
    public const string StageName = "budget";

    /// <summary>
    /// Adds the budget stage to every client (<see cref="ChatPipelineOrder.Budget"/>), with an <see cref="InMemoryBudgetStore"/>
    /// unless another <see cref="IBudgetStore"/> is registered. Cost limits need an <see cref="IModelCatalog"/>; prompt
    /// tokens are counted with an <see cref="IChatTokenCounter"/> when one is registered.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the limits in code; <c>LlmKit:Budgets</c> overrides them.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddLlmKit()
    ///     .UseBudgets(b => { b.CostPerDay = 5m; b.TokensPerMinute = 200_000; b.DowngradeTo = "mini"; });
    /// </code>
    /// </example>
    public static LlmKitBuilder UseBudgets(this LlmKitBuilder builder, Action<BudgetOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder, null, configure);
        return builder;
    }

    /// <summary>
    /// Adds the budget stage to this client only, or adds this client's own limits to the stage every client has (the
    /// store is shared).
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets this client's limits in code; <c>LlmKit:Budgets:&lt;client&gt;</c> overrides them.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseBudgets(this LlmKitChatClientBuilder builder, Action<BudgetOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder.LlmKit, builder.Name, configure);
        return builder;
    }

    /// <summary>The former name of <see cref="UseBudgets(LlmKitBuilder, Action{BudgetOptions})"/>.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the limits in code.</param>
    /// <returns>The builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Use UseBudgets(), which adds the stage for every client as Use… does for one client.")]
    public static LlmKitBuilder AddBudgets(this LlmKitBuilder builder, Action<BudgetOptions>? configure = null) => builder.UseBudgets(configure);

    /// <summary>The former name of <see cref="UseBudgets(LlmKitChatClientBuilder, Action{BudgetOptions})"/>.</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets this client's limits in code.</param>
    /// <returns>The builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Use UseBudgets(), the name the stage has on both builders.")]
    public static LlmKitChatClientBuilder UseBudget(this LlmKitChatClientBuilder builder, Action<BudgetOptions>? configure = null) => builder.UseBudgets(configure);

    private static void Use(LlmKitBuilder builder, string? clientName, Action<BudgetOptions>? configure)
    {
        builder.Services.TryAddSingleton<LlmKitInstrumentation>();
        builder.Services.TryAddSingleton<IBudgetStore, InMemoryBudgetStore>();
        StageOptions.Register(builder, "Budgets", clientName, configure);
        StageRegistration.Use(builder, clientName, Stage());
    }

    private static ChatPipelineStage Stage() =>
        new(StageName, ChatPipelineOrder.Budget, ctx =>
        {
            var options = StageOptions.Get<BudgetOptions>(ctx.Services, ctx.ClientName);
            var clients = ctx.Services.GetRequiredService<ILlmKitChatClients>();
            if (options.DowngradeTo is { } target && !clients.Names.Contains(target))
            {
                throw new InvalidOperationException(
                    $"{ConfigurationSection}:DowngradeTo names chat client '{target}', which is not registered. " +
                    $"Registered clients: {string.Join(", ", clients.Names)}.");
            }

            return new BudgetChatClient(
                ctx.InnerClient,
                ctx.Services.GetRequiredService<IBudgetStore>(),
                options,
                ctx.ClientName,
                ctx.Services.GetService<IModelCatalog>(),
                ctx.Services.GetService<IChatTokenCounter>(),
                ctx.Services.GetService<TimeProvider>(),
                ctx.Services.GetService<LlmKitInstrumentation>(),
                ctx.Services.GetService<ILogger<BudgetChatClient>>())
            {
                Refusals = ctx.Services.GetService<UsageRecorder>(),
            };
        });
}
