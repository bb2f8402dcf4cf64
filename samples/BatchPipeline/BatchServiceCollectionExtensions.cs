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
            .AddUsageLedger()
            .AddBudgets();

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

    /// <summary>Registers the offline demo model as the batch's chat client.</summary>
    public static LlmKitChatClientBuilder AddDemoClassifierModel(this LlmKitBuilder llmKit) =>
        llmKit.AddChatClient(BatchClassifier.ClientName, sp => new DemoClassifierChatClient(
            sp.GetRequiredService<IOptions<DemoModelOptions>>().Value, sp.GetService<TimeProvider>()));
}
