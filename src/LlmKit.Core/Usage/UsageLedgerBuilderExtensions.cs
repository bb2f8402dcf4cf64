using LlmKit.DependencyInjection;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.Telemetry;
using LlmKit.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds the usage ledger and its sinks to LlmKit.</summary>
public static class UsageLedgerBuilderExtensions
{
    /// <summary>The configuration section of <see cref="UsageLedgerOptions"/>: <c>LlmKit:Usage</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Usage";

    /// <summary>
    /// Adds the usage ledger stage to every client: one <see cref="UsageEntry"/> per call, handed to every registered
    /// <see cref="IUsageSink"/>. Calling it again only adds further configuration.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:Usage</c>.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddLlmKit().AddUsageLedger().AddInMemoryUsageStore().AddUsageLogging();
    /// </code>
    /// </example>
    public static LlmKitBuilder AddUsageLedger(this LlmKitBuilder builder, Action<UsageLedgerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<UsageLedgerOptions>();
        bool added = builder.TryUseStage(new ChatPipelineStage("usage-ledger", ChatPipelineOrder.UsageLedger, ctx => new UsageLedgerChatClient(
            ctx.InnerClient,
            ctx.Services.GetRequiredService<UsageRecorder>(),
            ctx.Services.GetRequiredService<IOptions<UsageLedgerOptions>>().Value,
            ctx.ClientName)));
        if (added)
        {
            // One recorder for the ledger stage and for the budget stage's refusals (calls that never reach the ledger).
            builder.Services.TryAddSingleton(sp => new UsageRecorder(
                sp.GetServices<IUsageSink>(),
                sp.GetService<IModelCatalog>(),
                sp.GetRequiredService<IOptions<UsageLedgerOptions>>().Value,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetService<ILogger<UsageLedgerChatClient>>()));
            // Once: configuration binding must run before every caller's delegate.
            options.BindLlmKitConfiguration(ConfigurationSection).ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    /// <summary>Registers a usage sink type as a singleton.</summary>
    /// <typeparam name="TSink">The sink type.</typeparam>
    /// <param name="builder">The LlmKit builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddUsageSink<TSink>(this LlmKitBuilder builder)
        where TSink : class, IUsageSink
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IUsageSink, TSink>());
        return builder;
    }

    /// <summary>Registers a usage sink instance.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="sink">The sink.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddUsageSink(this LlmKitBuilder builder, IUsageSink sink)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sink);
        builder.Services.AddSingleton(sink);
        return builder;
    }

    /// <summary>
    /// Registers an <see cref="InMemoryUsageStore"/> as a sink and as <see cref="IUsageStore"/> (resolve either to
    /// read the entries).
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="capacity">How many entries to keep.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddInMemoryUsageStore(this LlmKitBuilder builder, int capacity = InMemoryUsageStore.DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        builder.Services.TryAddSingleton(_ => new InMemoryUsageStore(capacity));
        builder.Services.TryAddSingleton<IUsageStore>(sp => sp.GetRequiredService<InMemoryUsageStore>());
        builder.Services.AddSingleton<IUsageSink>(sp => sp.GetRequiredService<InMemoryUsageStore>());
        return builder;
    }

    /// <summary>Registers the <see cref="LoggerUsageSink"/>: one structured log event per call.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddUsageLogging(this LlmKitBuilder builder) => builder.AddUsageSink<LoggerUsageSink>();

    /// <summary>Registers the <see cref="MetricsUsageSink"/>: usage counters on LlmKit's meter.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddUsageMetrics(this LlmKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<LlmKitInstrumentation>();
        return builder.AddUsageSink<MetricsUsageSink>();
    }
}
