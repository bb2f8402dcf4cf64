using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BatchPipeline;

/// <summary>Registers the batch classifier and the LlmKit stages it relies on.</summary>
public static class BatchServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="BatchClassifier"/>, its validated options, and LlmKit's model catalog, token counting, structured
    /// output, usage ledger and budgets. The caller adds the chat client named <see cref="BatchClassifier.ClientName"/>.
    /// </summary>
    public static LlmKitBuilder AddBatchClassifier(this IServiceCollection services)
    {
        services.AddOptions<BatchOptions>().BindConfiguration(BatchOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatchOptions>, BatchOptionsValidator>());
        services.AddOptions<DemoModelOptions>().BindConfiguration(DemoModelOptions.SectionName)
            .Validate(o => o.Latency >= TimeSpan.Zero && o.RateLimitEvery >= 0 && o.InvalidFirstAnswerEvery >= 0 && o.RetryAfter >= TimeSpan.Zero,
                "DemoModel: Latency and RetryAfter must not be negative; RateLimitEvery and InvalidFirstAnswerEvery must be 0 (off) or more.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RunUsage>();
        services.AddSingleton<IUsageSink>(sp => sp.GetRequiredService<RunUsage>());
        services.TryAddSingleton<BatchClassifier>();

        var llmKit = services.AddLlmKit()
            .AddTokenCounting() // prompt tokens for budget reservations; adds the model catalog (prices) too
            .AddStructuredOutput()
            .UseUsageLedger()
            .UseBudgets();

        // The run budget is a per-request budget of the batch's tenant, and each run's calls carry the run id as
        // their request id: the stage reserves every call's worst case first, so 8 concurrent calls cannot overspend it.
        // Stages read their options under their client's name, so this configures the batch client's budget.
        services.AddOptions<BudgetOptions>(BatchClassifier.ClientName).Configure<IOptions<BatchOptions>>((budget, batch) =>
        {
            if (batch.Value.RunBudgetUsd is { } usd)
            {
                if (!budget.Tenants.TryGetValue(batch.Value.Tenant, out var limits))
                {
                    budget.Tenants[batch.Value.Tenant] = limits = new BudgetLimits();
                }

                limits.CostPerRequest = usd;
            }
        });
        return llmKit;
    }

    /// <summary>Registers the offline <see cref="DemoBatchServer"/> as the batch client <see cref="BatchApiMode.ClientName"/>.</summary>
    /// <remarks>A batch provider queues work instead of refusing it, so the demo model behind it never simulates a 429.</remarks>
    public static LlmKitBuilder AddDemoBatchServer(this LlmKitBuilder llmKit)
    {
        llmKit.Services.AddKeyedSingleton<LlmKit.Batches.IBatchChatClient>(BatchApiMode.ClientName, (sp, _) =>
        {
            var demo = sp.GetRequiredService<IOptions<DemoModelOptions>>().Value;
            var model = new DemoClassifierChatClient(
                new DemoModelOptions { Latency = TimeSpan.Zero, RateLimitEvery = 0, InvalidFirstAnswerEvery = demo.InvalidFirstAnswerEvery },
                sp.GetService<TimeProvider>());
            return new DemoBatchServer(model, sp.GetService<TimeProvider>());
        });
        return llmKit;
    }

    /// <summary>
    /// Registers the cascade of <see cref="CascadeMode"/>: the demo model, then a stronger demo model (never wrong about
    /// the schema, four times the price) as <see cref="CascadeMode.StrongClientName"/>.
    /// </summary>
    public static LlmKitBuilder AddDemoCascade(this LlmKitBuilder llmKit)
    {
        llmKit.AddChatClient(CascadeMode.StrongClientName, sp => new DemoClassifierChatClient(
            new DemoModelOptions { Latency = sp.GetRequiredService<IOptions<DemoModelOptions>>().Value.Latency, RateLimitEvery = 0, InvalidFirstAnswerEvery = 0 },
            sp.GetService<TimeProvider>(),
            CascadeMode.StrongModelId));
        return llmKit.AddCascade(CascadeMode.CascadeName, o =>
        {
            o.Tiers.Add(BatchClassifier.ClientName);
            o.Tiers.Add(CascadeMode.StrongClientName);
        });
    }

    /// <summary>Registers the offline demo model as the batch's chat client.</summary>
    public static LlmKitChatClientBuilder AddDemoClassifierModel(this LlmKitBuilder llmKit) =>
        llmKit.AddChatClient(BatchClassifier.ClientName, sp => new DemoClassifierChatClient(
            sp.GetRequiredService<IOptions<DemoModelOptions>>().Value, sp.GetService<TimeProvider>()));
}
