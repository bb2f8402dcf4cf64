using LlmKit.Budgets;
using LlmKit.DependencyInjection;
using LlmKit.Idempotency;
using LlmKit.RateLimits;
using LlmKit.Redis;
using LlmKit.Redis.Budgets;
using LlmKit.Redis.Idempotency;
using LlmKit.Redis.RateLimits;
using LlmKit.Redis.Sessions;
using LlmKit.Sessions;
using LlmKit.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Puts LlmKit's hot shared state on Redis.</summary>
public static class RedisBuilderExtensions
{
    /// <summary>The configuration section of <see cref="RedisOptions"/>: <c>LlmKit:Redis</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Redis";

    /// <summary>
    /// Stores LlmKit's hot shared state in Redis: <see cref="IBudgetStore"/>, <see cref="ISharedRateLimiter"/>,
    /// <see cref="IIdempotencyStore"/> and <see cref="IChatSessionStore"/>, replacing the in-memory ones (and, when called
    /// after <c>AddPostgreSql</c>, the PostgreSQL ones; the usage ledger, jobs and suspended tool loops stay there). The
    /// server is the <see cref="IConnectionMultiplexer"/> registered in DI, or <c>LlmKit:Redis:Configuration</c>; the
    /// host fails to start, naming that setting, when Redis is unreachable.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:Redis</c>.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// // appsettings.json: "LlmKit": { "Redis": { "Configuration": "redis:6379,password=…" } }
    /// services.AddLlmKit().UseBudgets(b => b.TokensPerMinute = 200_000).AddIdempotency().AddRedis();
    /// </code>
    /// </example>
    public static LlmKitBuilder AddRedis(this LlmKitBuilder builder, Action<RedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<RedisOptions>();
        if (!services.Any(d => d.ServiceType == typeof(RedisConnection)))
        {
            options.BindLlmKitConfiguration(ConfigurationSection).ValidateOnStart();
            services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
            services.AddChatSessionOptions();
            services.TryAddSingleton<LlmKitInstrumentation>();
            services.TryAddSingleton(sp => new RedisInstrumentation(sp.GetService<LlmKitInstrumentation>()));
            services.AddSingleton(RedisConnection.Resolve);

            services.AddSingleton<RedisBudgetStore>();
            services.Replace(ServiceDescriptor.Singleton<IBudgetStore>(sp => sp.GetRequiredService<RedisBudgetStore>()));
            services.AddSingleton<RedisRateLimiter>();
            services.Replace(ServiceDescriptor.Singleton<ISharedRateLimiter>(sp => sp.GetRequiredService<RedisRateLimiter>()));
            services.AddSingleton<RedisIdempotencyStore>();
            services.Replace(ServiceDescriptor.Singleton<IIdempotencyStore>(sp => sp.GetRequiredService<RedisIdempotencyStore>()));
            services.AddSingleton<RedisChatSessionStore>();
            services.Replace(ServiceDescriptor.Singleton<IChatSessionStore>(sp => sp.GetRequiredService<RedisChatSessionStore>()));

            // The start-up check runs before every other hosted service, and fails the start with the setting's name.
            services.Insert(0, ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, RedisStartup>());
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    private sealed class RedisOptionsValidator(IServiceProviderIsService isService) : IValidateOptions<RedisOptions>
    {
        public ValidateOptionsResult Validate(string? name, RedisOptions options)
        {
            var failures = options.Validate(ConfigurationSection, isService.IsService(typeof(IConnectionMultiplexer))).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
