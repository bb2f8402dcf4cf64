using System.Diagnostics.CodeAnalysis;
using LlmKit.DependencyInjection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmKit.Providers;

/// <summary>
/// Registers one named provider: its options (bound from <c>LlmKit:&lt;Provider&gt;:&lt;name&gt;</c>, adjusted in code,
/// validated at start) and its named <see cref="HttpClient"/> (no client-level timeout, since the provider measures its
/// own; HTTP logging that never shows credentials).
/// </summary>
internal static class ProviderRegistration
{
    /// <summary>Registers the provider's options and HTTP client under <paramref name="name"/>, then a chat client that sends through them.</summary>
    public static LlmKitChatClientBuilder AddChatClient<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        LlmKitBuilder builder, ProviderDescriptor<TOptions> provider, string name, Action<TOptions>? configure,
        Func<TOptions, HttpClient, IServiceProvider, IChatClient> create)
        where TOptions : class, IProviderOptions
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        AddProvider(builder.Services, provider, name, configure);
        return builder.AddChatClient(name, sp => create(OptionsOf(sp, name, provider), HttpClientOf(sp, name, provider), sp));
    }

    /// <summary>Registers the provider's options and HTTP client under <paramref name="name"/>, once however often it is called.</summary>
    public static void AddProvider<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(IServiceCollection services, ProviderDescriptor<TOptions> provider, string name, Action<TOptions>? configure)
        where TOptions : class, IProviderOptions
    {
        // Chat and embeddings may share a name; the options are registered once so configure runs once.
        var marker = new Registered<TOptions>(name);
        if (!services.Any(d => d.ServiceType == typeof(Registered<TOptions>) && Equals(d.ImplementationInstance, marker)))
        {
            services.AddSingleton(marker);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new ProviderOptionsValidator<TOptions>(provider)));
            services.AddOptions<TOptions>(name).BindLlmKitConfiguration($"{provider.ConfigurationSection}:{name}").ValidateOnStart();
            AddHttpClient(services, provider.HttpClientName(name), sp =>
            {
                var options = sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name);
                return provider.SensitiveHeaders(options).Concat(options.RedactedHeaderNames);
            });
        }

        if (configure is not null)
        {
            services.Configure(name, configure);
        }
    }

    /// <summary>The options of the registration <paramref name="name"/>.</summary>
    public static TOptions OptionsOf<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(IServiceProvider services, string name, ProviderDescriptor<TOptions> provider)
        where TOptions : class, IProviderOptions =>
        services.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name);

    /// <summary>The named <see cref="HttpClient"/> of the registration <paramref name="name"/>.</summary>
    public static HttpClient HttpClientOf<TOptions>(IServiceProvider services, string name, ProviderDescriptor<TOptions> provider)
        where TOptions : class, IProviderOptions =>
        services.GetRequiredService<IHttpClientFactory>().CreateClient(provider.HttpClientName(name));

    private static void AddHttpClient(IServiceCollection services, string clientName, Func<IServiceProvider, IEnumerable<string>> redactedHeaders)
    {
        Func<IServiceProvider, bool, IHttpClientLogger> logger = (sp, wrapsPipeline) =>
        {
            // The application's RedactLoggedHeaders predicate still applies; credentials are redacted whatever it says.
            var credential = CredentialHeaders.Matcher(redactedHeaders(sp));
            var configured = sp.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>().Get(clientName).ShouldRedactHeaderValue;
            string category = $"System.Net.Http.HttpClient.{clientName}.{(wrapsPipeline ? "LogicalHandler" : "ClientHandler")}";
            return new RedactingHttpClientLogger(
                sp.GetRequiredService<ILoggerFactory>().CreateLogger(category), wrapsPipeline, header => credential(header) || configured(header));
        };

        services.AddHttpClient(clientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .AddLogger(sp => logger(sp, true), wrapHandlersPipeline: true)
            .AddLogger(sp => logger(sp, false), wrapHandlersPipeline: false);
    }

    private sealed record Registered<TOptions>(string Name);
}
