using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmKit.DependencyInjection;

/// <summary>
/// The one way a stage's options are registered, bound and validated, at builder level (every client) or client level
/// (one client), with one precedence rule for every stage: defaults, then code for every client, then
/// <c>LlmKit:&lt;Stage&gt;</c>, then code for the client, then <c>LlmKit:&lt;Stage&gt;:&lt;client&gt;</c>. Code sets the
/// app's defaults and configuration overrides them, so operators can tune a deployed app without a redeploy; the more
/// specific level wins over the general one. A stage reads its options with <see cref="Get{TOptions}"/> under its
/// client's name.
/// </summary>
internal static class StageOptions
{
    /// <summary>Registers <typeparamref name="TOptions"/> for a stage and adds <paramref name="configure"/> at the given level.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="section">The stage's section under <c>LlmKit</c>, for example <c>Budgets</c>.</param>
    /// <param name="clientName">The client the delegate is for, or <see langword="null"/> for every client.</param>
    /// <param name="configure">Code configuration, if any.</param>
    public static void Register<TOptions>(LlmKitBuilder builder, string section, string? clientName, Action<TOptions>? configure)
        where TOptions : class
    {
        var services = builder.Services;
        var sources = services.FirstOrDefault(d => d.ServiceType == typeof(StageOptionsSources<TOptions>) && !d.IsKeyedService)?.ImplementationInstance
            as StageOptionsSources<TOptions>;
        if (sources is null)
        {
            sources = new StageOptionsSources<TOptions>(LlmKitBuilder.ConfigurationSection + ":" + section);
            services.AddSingleton(sources);
            services.AddOptions();
            services.AddSingleton<IConfigureOptions<TOptions>>(sp => new StageOptionsSetup<TOptions>(sources, sp, builder.Registry));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, LlmKitOptionsValidator<TOptions>>());
            builder.Registry.StageOptions.Add(sources);
            LlmKitConfiguration.RegisterSection(services, section);
        }

        if (configure is not null)
        {
            sources.Add(clientName, configure);
        }
    }

    /// <summary>Returns the options a stage of <paramref name="clientName"/> uses.</summary>
    public static TOptions Get<TOptions>(IServiceProvider services, string clientName)
        where TOptions : class =>
        services.GetRequiredService<IOptionsMonitor<TOptions>>().Get(clientName);
}

/// <summary>Where a stage's options come from: its section and the code delegates at each level.</summary>
internal interface IStageOptionsSources
{
    /// <summary>Gets the section path, for example <c>LlmKit:Budgets</c>.</summary>
    string SectionPath { get; }

    /// <summary>Reads (and so binds and validates) the options of one client.</summary>
    object Get(IServiceProvider services, string clientName);
}

/// <summary>The section and code delegates of one options type.</summary>
internal sealed class StageOptionsSources<TOptions>(string sectionPath) : IStageOptionsSources
    where TOptions : class
{
    private readonly List<Action<TOptions>> _global = [];
    private readonly Dictionary<string, List<Action<TOptions>>> _clients = new(StringComparer.Ordinal);

    public string SectionPath { get; } = sectionPath;

    public IReadOnlyList<Action<TOptions>> Global => _global;

    public string PathFor(string name) => name == Options.DefaultName ? SectionPath : $"{SectionPath}:{name}";

    public IReadOnlyList<Action<TOptions>> ForClient(string name) => _clients.TryGetValue(name, out var list) ? list : [];

    public void Add(string? clientName, Action<TOptions> configure)
    {
        if (clientName is null)
        {
            _global.Add(configure);
        }
        else if (_clients.TryGetValue(clientName, out var list))
        {
            list.Add(configure);
        }
        else
        {
            _clients[clientName] = [configure];
        }
    }

    public object Get(IServiceProvider services, string clientName) => StageOptions.Get<TOptions>(services, clientName);
}

/// <summary>Applies the precedence rule of <see cref="StageOptions"/> to every named instance of the options.</summary>
internal sealed class StageOptionsSetup<TOptions>(StageOptionsSources<TOptions> sources, IServiceProvider services, LlmKitRegistry registry)
    : IConfigureNamedOptions<TOptions>
    where TOptions : class
{
    public void Configure(TOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, TOptions options)
    {
        name ??= Options.DefaultName;
        foreach (var configure in sources.Global)
        {
            configure(options);
        }

        // The stage's own section, without the sub-sections of named clients (they are bound next, for their client).
        LlmKitConfiguration.Bind(services, sources.SectionPath, options, registry.Contains);
        if (name == Options.DefaultName)
        {
            return;
        }

        foreach (var configure in sources.ForClient(name))
        {
            configure(options);
        }

        LlmKitConfiguration.Bind(services, sources.PathFor(name), options, skipChild: null);
    }
}
