using LlmKit.DependencyInjection;
using LlmKit.Sessions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers a chat session store (conversation history).</summary>
public static class ChatSessionsBuilderExtensions
{
    /// <summary>The configuration section of <see cref="ChatSessionOptions"/>: <c>LlmKit:ChatSessions</c>.</summary>
    public const string ConfigurationSection = "LlmKit:ChatSessions";

    /// <summary>
    /// Registers <see cref="IChatSessionStore"/>: an <see cref="InMemoryChatSessionStore"/> unless another one is
    /// registered (PostgreSQL and Redis register shared ones, whatever the order of the calls), with the caps and time to
    /// live bound from <c>LlmKit:ChatSessions</c> and validated when the host starts.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound from <c>LlmKit:ChatSessions</c>.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddChatSessions(this LlmKitBuilder builder, Action<ChatSessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddChatSessionOptions(builder.Services, configure);
        builder.Services.TryAddSingleton<IChatSessionStore>(sp =>
            new InMemoryChatSessionStore(sp.GetRequiredService<IOptions<ChatSessionOptions>>().Value, sp.GetService<TimeProvider>()));
        return builder;
    }

    /// <summary>Binds and validates <see cref="ChatSessionOptions"/> once (shared stores call it too).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adjusts the settings after they are bound.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddChatSessionOptions(this IServiceCollection services, Action<ChatSessionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ChatSessionOptions>();
        if (!services.Any(d => d.ServiceType == typeof(ChatSessionOptionsValidator)))
        {
            services.AddSingleton<ChatSessionOptionsValidator>();
            services.AddSingleton<IValidateOptions<ChatSessionOptions>>(sp => sp.GetRequiredService<ChatSessionOptionsValidator>());
            options.BindLlmKitConfiguration(ConfigurationSection).ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services;
    }

    private sealed class ChatSessionOptionsValidator : IValidateOptions<ChatSessionOptions>
    {
        public ValidateOptionsResult Validate(string? name, ChatSessionOptions options)
        {
            var failures = options.Validate(ConfigurationSection).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
