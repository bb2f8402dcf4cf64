using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Idempotency;
using LlmKit.Jobs;
using LlmKit.PostgreSql;
using LlmKit.PostgreSql.Budgets;
using LlmKit.PostgreSql.Idempotency;
using LlmKit.PostgreSql.Jobs;
using LlmKit.PostgreSql.RateLimits;
using LlmKit.PostgreSql.Sessions;
using LlmKit.PostgreSql.Tools;
using LlmKit.PostgreSql.Usage;
using LlmKit.RateLimits;
using LlmKit.Sessions;
using LlmKit.Telemetry;
using LlmKit.Tools;
using LlmKit.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Puts LlmKit's shared state on PostgreSQL.</summary>
public static class PostgreSqlBuilderExtensions
{
    /// <summary>The configuration section of <see cref="PostgreSqlOptions"/>: <c>LlmKit:PostgreSql</c>.</summary>
    public const string ConfigurationSection = "LlmKit:PostgreSql";

    /// <summary>
    /// Stores every piece of LlmKit's shared state in PostgreSQL: <see cref="IBudgetStore"/>, the usage ledger
    /// (<see cref="IUsageStore"/> and a sink), <see cref="IJobQueue"/>, <see cref="IToolLoopContinuationStore"/>,
    /// <see cref="ISharedRateLimiter"/>, <see cref="IIdempotencyStore"/> and <see cref="IChatSessionStore"/>, replacing the in-memory ones whichever order the calls come in. The database
    /// is the <see cref="NpgsqlDataSource"/> registered in DI, or <c>LlmKit:PostgreSql:ConnectionString</c>; the host
    /// fails to start when it is unreachable or its schema is out of date (or applies the schema with
    /// <c>LlmKit:PostgreSql:EnsureSchema</c>). A maintenance sweep reclaims expired budget leases and applies retention.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:PostgreSql</c>.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// // appsettings.json: "LlmKit": { "PostgreSql": { "ConnectionString": "Host=db;Database=app;Username=app", "EnsureSchema": true } }
    /// services.AddLlmKit().UseBudgets().UseUsageLedger().AddPostgreSql();
    /// </code>
    /// </example>
    public static LlmKitBuilder AddPostgreSql(this LlmKitBuilder builder, Action<PostgreSqlOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<PostgreSqlOptions>();
        if (!services.Any(d => d.ServiceType == typeof(PostgresDatabase)))
        {
            options.BindLlmKitConfiguration(ConfigurationSection).ValidateOnStart();
            services.AddSingleton<IValidateOptions<PostgreSqlOptions>, PostgreSqlOptionsValidator>();
            services.TryAddSingleton<LlmKitInstrumentation>();
            services.TryAddSingleton(sp => new PostgresInstrumentation(sp.GetService<LlmKitInstrumentation>()));
            services.AddSingleton(PostgresDatabase.Resolve);

            services.AddSingleton<PostgresBudgetStore>();
            services.Replace(ServiceDescriptor.Singleton<IBudgetStore>(sp => sp.GetRequiredService<PostgresBudgetStore>()));
            services.AddSingleton<PostgresUsageStore>();
            services.Replace(ServiceDescriptor.Singleton<IUsageStore>(sp => sp.GetRequiredService<PostgresUsageStore>()));
            services.AddSingleton<IUsageSink>(sp => sp.GetRequiredService<PostgresUsageStore>());
            services.AddSingleton<PostgresJobQueue>();
            services.Replace(ServiceDescriptor.Singleton<IJobQueue>(sp => sp.GetRequiredService<PostgresJobQueue>()));
            services.AddSingleton<PostgresToolLoopContinuationStore>();
            services.Replace(ServiceDescriptor.Singleton<IToolLoopContinuationStore>(sp => sp.GetRequiredService<PostgresToolLoopContinuationStore>()));
            services.AddSingleton<PostgresRateLimiter>();
            services.Replace(ServiceDescriptor.Singleton<ISharedRateLimiter>(sp => sp.GetRequiredService<PostgresRateLimiter>()));
            services.AddSingleton<PostgresIdempotencyStore>();
            services.Replace(ServiceDescriptor.Singleton<IIdempotencyStore>(sp => sp.GetRequiredService<PostgresIdempotencyStore>()));
            services.AddChatSessionOptions();
            services.AddSingleton<PostgresChatSessionStore>();
            services.Replace(ServiceDescriptor.Singleton<IChatSessionStore>(sp => sp.GetRequiredService<PostgresChatSessionStore>()));

            // The start-up check runs before every other hosted service that was added after it, and fails the start
            // with the setting's name; it is inserted first so a job worker never polls an unmigrated database.
            services.Insert(0, ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, PostgresStartup>());
            services.AddHostedService<PostgresMaintenance>();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    private sealed class PostgreSqlOptionsValidator(IServiceProviderIsService isService) : IValidateOptions<PostgreSqlOptions>
    {
        public ValidateOptionsResult Validate(string? name, PostgreSqlOptions options)
        {
            var failures = options.Validate(ConfigurationSection, isService.IsService(typeof(NpgsqlDataSource))).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
