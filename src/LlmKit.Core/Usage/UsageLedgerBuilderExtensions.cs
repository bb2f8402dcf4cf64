using System.ComponentModel;
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

    /// <summary>The name of the usage-ledger stage in <see cref="ChatPipelineDescription.StageNames"/>: <c>usage-ledger</c>.</summary>
    public const string StageName = "usage-ledger";

    /// <summary>
    /// Adds the usage ledger to every client: one <see cref="UsageEntry"/> per upstream call
    /// (<see cref="ChatPipelineOrder.UsageLedger"/>), and one per call the budget refused, handed to every registered
    /// <see cref="IUsageSink"/>.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the options in code; <c>LlmKit:Usage</c> overrides them.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddLlmKit().UseUsageLedger().AddInMemoryUsageStore().AddUsageLogging();
    /// </code>
    /// </example>
    public static LlmKitBuilder UseUsageLedger(this LlmKitBuilder builder, Action<UsageLedgerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder, null, configure);
        return builder;
    }

    /// <summary>Adds the usage ledger to this client only (see <see cref="UseUsageLedger(LlmKitBuilder, Action{UsageLedgerOptions})"/>).</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets this client's options in code; <c>LlmKit:Usage:&lt;client&gt;</c> overrides them.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseUsageLedger(this LlmKitChatClientBuilder builder, Action<UsageLedgerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Use(builder.LlmKit, builder.Name, configure);
        return builder;
    }

    /// <summary>The former name of <see cref="UseUsageLedger(LlmKitBuilder, Action{UsageLedgerOptions})"/>.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Sets the options in code.</param>
    /// <returns>The builder.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Use UseUsageLedger(), which adds the stage for every client as Use… does for one client (LlmKitChatClientBuilder.UseUsageLedger).")]
    public static LlmKitBuilder AddUsageLedger(this LlmKitBuilder builder, Action<UsageLedgerOptions>? configure = null) => builder.UseUsageLedger(configure);

    private static void Use(LlmKitBuilder builder, string? clientName, Action<UsageLedgerOptions>? configure)
    {
        StageOptions.Register(builder, "Usage", clientName, configure);

        // One recorder for the ledger stage and for the budget stage's refusals (calls that never reach the ledger).
        builder.Services.TryAddSingleton(sp => new UsageRecorder(
            sp.GetServices<IUsageSink>(),
            sp.GetService<IModelCatalog>(),
            client => StageOptions.Get<UsageLedgerOptions>(sp, client),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILogger<UsageLedgerChatClient>>()));
        StageRegistration.Use(builder, clientName, new ChatPipelineStage(StageName, ChatPipelineOrder.UsageLedger, ctx => new UsageLedgerChatClient(
            ctx.InnerClient,
            ctx.Services.GetRequiredService<UsageRecorder>(),
            StageOptions.Get<UsageLedgerOptions>(ctx.Services, ctx.ClientName),
            ctx.ClientName)));
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
