using LlmKit.Batches;
using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Models;
using LlmKit.Telemetry;
using LlmKit.Tokens;
using LlmKit.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds provider batch APIs (<see cref="ChatBatchRunner"/>) to LlmKit.</summary>
public static class ChatBatchesBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="ChatBatchRunner"/> with settings bound from <c>LlmKit:Batches</c> (validated when the host
    /// starts) and an <see cref="InMemoryChatBatchStore"/> unless another <see cref="IChatBatchStore"/> is registered. The
    /// runner finds batch clients as keyed <see cref="IBatchChatClient"/> services (<c>AddOpenAIBatches(name)</c>,
    /// <c>AddAnthropicBatches(name)</c>), writes to every registered <see cref="IUsageSink"/>, prices with the
    /// <see cref="IModelCatalog"/>, and reserves budgets when <c>AddBudgets()</c> was called.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddChatBatches(this LlmKitBuilder builder, Action<ChatBatchRunnerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<ChatBatchRunnerOptions>();
        if (!services.Any(d => d.ServiceType == typeof(ChatBatchRunner)))
        {
            options.BindLlmKitConfiguration(ChatBatchRunnerConstants.ConfigurationSection).ValidateOnStart();
            services.AddSingleton<IValidateOptions<ChatBatchRunnerOptions>, ChatBatchRunnerOptionsValidator>();
            services.TryAddSingleton<IChatBatchStore, InMemoryChatBatchStore>();
            services.AddSingleton(sp =>
            {
                var budgetStore = sp.GetService<IBudgetStore>();
                return new ChatBatchRunner(
                    name => sp.GetKeyedService<IBatchChatClient>(name)
                        ?? throw new InvalidOperationException($"No batch client is registered as '{name}': register one with AddOpenAIBatches(\"{name}\") or AddAnthropicBatches(\"{name}\")."),
                    sp.GetRequiredService<IChatBatchStore>(),
                    sp.GetRequiredService<IOptions<ChatBatchRunnerOptions>>().Value,
                    sp.GetService<IModelCatalog>(),
                    sp.GetServices<IUsageSink>(),
                    budgetStore,
                    budgetStore is null ? null : sp.GetRequiredService<IOptions<BudgetOptions>>().Value,
                    sp.GetService<IChatTokenCounter>(),
                    sp.GetService<TimeProvider>(),
                    sp.GetService<ILogger<ChatBatchRunner>>())
                {
                    RecordFailedRequests = sp.GetService<IOptions<UsageLedgerOptions>>()?.Value.RecordFailedCalls ?? true,
                    Instrumentation = sp.GetService<LlmKitInstrumentation>(),
                };
            });
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    /// <summary>Keeps batch records in a folder (<see cref="FileChatBatchStore"/>), so submitted batches survive restarts of this app instance.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="directory">The folder; created when missing.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddFileChatBatchStore(this LlmKitBuilder builder, string directory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        builder.Services.RemoveAll<IChatBatchStore>();
        builder.Services.AddSingleton<IChatBatchStore>(_ => new FileChatBatchStore(directory));
        return builder;
    }

    private sealed class ChatBatchRunnerOptionsValidator : IValidateOptions<ChatBatchRunnerOptions>
    {
        public ValidateOptionsResult Validate(string? name, ChatBatchRunnerOptions options)
        {
            var failures = options.Validate(ChatBatchRunnerConstants.ConfigurationSection).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
