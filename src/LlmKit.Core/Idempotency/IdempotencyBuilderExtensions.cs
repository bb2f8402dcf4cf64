using LlmKit.DependencyInjection;
using LlmKit.Idempotency;
using LlmKit.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds idempotent requests to LlmKit clients.</summary>
public static class IdempotencyBuilderExtensions
{
    /// <summary>The configuration section of <see cref="IdempotencyOptions"/>: <c>LlmKit:Idempotency</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Idempotency";

    /// <summary>The name of the idempotency stage in <see cref="ChatPipelineDescription.StageNames"/>: <c>idempotency</c>.</summary>
    public const string StageName = "idempotency";

    /// <summary>
    /// Adds idempotent requests to every client (once, however often it is called), with an
    /// <see cref="InMemoryIdempotencyStore"/> unless another <see cref="IIdempotencyStore"/> is registered (PostgreSQL and
    /// Redis register shared ones). Calls opt in per request with <see cref="IdempotentRequests.WithIdempotencyKey"/>.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:Idempotency</c>.</param>
    /// <returns>The builder.</returns>
    /// <example>
    /// <code>
    /// services.AddLlmKit().AddIdempotency(o => o.Retention = TimeSpan.FromHours(1));
    /// var answer = await chat.GetResponseAsync(prompt, new ChatOptions().WithIdempotencyKey(request.Headers["Idempotency-Key"]));
    /// </code>
    /// </example>
    public static LlmKitBuilder AddIdempotency(this LlmKitBuilder builder, Action<IdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, Microsoft.Extensions.Options.Options.DefaultName, configure);
        builder.TryUseStage(Stage(Microsoft.Extensions.Options.Options.DefaultName)); // a second call only adds configuration
        return builder;
    }

    /// <summary>Adds idempotent requests to this client only, with its own settings (the store is shared).</summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:Idempotency</c>.</param>
    /// <returns>The builder.</returns>
    public static LlmKitChatClientBuilder UseIdempotency(this LlmKitChatClientBuilder builder, Action<IdempotencyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Register(builder.Services, builder.Name, configure);
        return builder.UseStage(Stage(builder.Name));
    }

    private static void Register(IServiceCollection services, string optionsName, Action<IdempotencyOptions>? configure)
    {
        services.TryAddSingleton<IIdempotencyStore>(sp => new InMemoryIdempotencyStore(sp.GetService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdempotencyOptions>, IdempotencyOptionsValidator>());
        var options = services.AddOptions<IdempotencyOptions>(optionsName)
            .BindLlmKitConfiguration(ConfigurationSection)
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }
    }

    private static ChatPipelineStage Stage(string optionsName) =>
        new(StageName, ChatPipelineOrder.Idempotency, ctx => new IdempotencyChatClient(
            ctx.InnerClient,
            ctx.Services.GetRequiredService<IIdempotencyStore>(),
            ctx.Services.GetRequiredService<IOptionsMonitor<IdempotencyOptions>>().Get(optionsName),
            ctx.ClientName,
            ctx.Services.GetService<TimeProvider>(),
            ctx.Services.GetService<ILogger<IdempotencyChatClient>>()));

    private sealed class IdempotencyOptionsValidator : IValidateOptions<IdempotencyOptions>
    {
        public ValidateOptionsResult Validate(string? name, IdempotencyOptions options)
        {
            var failures = options.Validate(ConfigurationSection).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
