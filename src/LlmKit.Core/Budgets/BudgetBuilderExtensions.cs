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
    /// Adds the budget stage to every client (once, however often it is called), with an <see cref="InMemoryBudgetStore"/> unless another
    /// <see cref="IBudgetStore"/> is registered. Cost limits need an <see cref="IModelCatalog"/>; prompt tokens are
    /// counted with an <see cref="IChatTokenCounter"/> when one is registered.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:Budgets</c>.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddLlmKit()
    ///     .AddBudgets(b => { b.CostPerDay = 5m; b.TokensPerMinute = 200_000; b.DowngradeTo = "mini"; });
    /// </code>
    /// </example>
    public static LlmKitBuilder AddBudgets(this LlmKitBuilder builder, Action<BudgetOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, Microsoft.Extensions.Options.Options.DefaultName, configure);
        builder.TryUseStage(Stage(Microsoft.Extensions.Options.Options.DefaultName)); // a second call only adds configuration
        return builder;
    }

    /// <summary>Adds the budget stage to this client only, with its own limits (the store is shared).</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:Budgets</c>.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseBudget(this LlmKitChatClientBuilder builder, Action<BudgetOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, builder.Name, configure);
        return builder.UseStage(Stage(builder.Name));
    }

    private static void Register(IServiceCollection services, string optionsName, Action<BudgetOptions>? configure)
    {
        services.TryAddSingleton<LlmKitInstrumentation>();
        services.TryAddSingleton<IBudgetStore, InMemoryBudgetStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BudgetOptions>, BudgetOptionsValidator>());
        var options = services.AddOptions<BudgetOptions>(optionsName)
            .BindLlmKitConfiguration(ConfigurationSection)
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
    }

    private static ChatPipelineStage Stage(string optionsName) =>
        new(StageName, ChatPipelineOrder.Budget, ctx =>
        {
            var options = ctx.Services.GetRequiredService<IOptionsMonitor<BudgetOptions>>().Get(optionsName);
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

    private sealed class BudgetOptionsValidator : IValidateOptions<BudgetOptions>
    {
        public ValidateOptionsResult Validate(string? name, BudgetOptions options)
        {
            var failures = options.Validate(ConfigurationSection).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
