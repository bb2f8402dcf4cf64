using LlmKit.Pipeline;
using LlmKit.Routing;
using LlmKit.Telemetry;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.DependencyInjection;

/// <summary>One named client as registered: its inner factory and its own stages.</summary>
internal sealed class LlmKitClientRegistration(string name, Func<IServiceProvider, IChatClient> innerClientFactory)
{
    public string Name { get; } = name;

    public Func<IServiceProvider, IChatClient> InnerClientFactory { get; } = innerClientFactory;

    public List<(ChatPipelineStage Stage, long Sequence)> Stages { get; } = [];

    /// <summary>Gets or sets a value indicating whether this client's head opens a root span per logical call.</summary>
    public bool CallTelemetry { get; set; }
}

/// <summary>
/// Everything <see cref="LlmKitBuilder"/> registered, held by one service-collection-scoped instance (no static
/// state), and the code that turns a registration into a pipeline.
/// </summary>
internal sealed class LlmKitRegistry
{
    private readonly Dictionary<string, LlmKitClientRegistration> _clients = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly List<(ChatPipelineStage Stage, long Sequence)> _globalStages = [];
    private readonly Dictionary<Type, Func<IServiceProvider, object>> _headServices = [];
    private long _sequence;

    public string? DefaultName { get; set; }

    /// <summary>Gets or sets a value indicating whether every client's head opens a root span per logical call.</summary>
    public bool CallTelemetry { get; set; }

    /// <summary>Gets the names of stages added through <see cref="StageRegistration"/>: each is in a pipeline at most once.</summary>
    public HashSet<string> UniqueStageNames { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the options of every stage registered through <see cref="StageOptions"/>, for the start-up check.</summary>
    public List<IStageOptionsSources> StageOptions { get; } = [];

    public IReadOnlyList<string> Names => _names;

    public string? EffectiveDefaultName => DefaultName ?? (_names.Count > 0 ? _names[0] : null);

    public LlmKitClientRegistration Add(string name, Func<IServiceProvider, IChatClient> factory)
    {
        if (_clients.ContainsKey(name))
        {
            throw new ArgumentException($"A chat client named '{name}' is already registered. Client names must be unique.", nameof(name));
        }

        var registration = new LlmKitClientRegistration(name, factory);
        _clients.Add(name, registration);
        _names.Add(name);
        return registration;
    }

    public LlmKitClientRegistration Get(string name) =>
        _clients.TryGetValue(name, out var registration)
            ? registration
            : throw new InvalidOperationException(
                $"No chat client named '{name}' is registered. Registered clients: {Describe(_names)}.");

    public bool Contains(string name) => _clients.ContainsKey(name);

    public void AddGlobalStage(ChatPipelineStage stage) => _globalStages.Add((stage, _sequence++));

    public bool HasGlobalStage(string name) => _globalStages.Exists(s => string.Equals(s.Stage.Name, name, StringComparison.Ordinal));

    public void AddClientStage(LlmKitClientRegistration registration, ChatPipelineStage stage) =>
        registration.Stages.Add((stage, _sequence++));

    public bool HasClientStage(LlmKitClientRegistration registration, string name) =>
        registration.Stages.Exists(s => string.Equals(s.Stage.Name, name, StringComparison.Ordinal));

    /// <summary>Makes the head of every pipeline answer <c>GetService(type)</c> with a service from DI.</summary>
    public void AddHeadService(Type type, Func<IServiceProvider, object> factory) => _headServices[type] = factory;

    /// <summary>Returns the stages of a client, outermost first: by order, then by the order they were added.</summary>
    public IReadOnlyList<ChatPipelineStage> OrderedStages(LlmKitClientRegistration registration)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return _globalStages.Concat(registration.Stages)
            .OrderBy(s => s.Stage.Order)
            .ThenBy(s => s.Sequence)
            .Select(s => s.Stage)
            .Where(s => !UniqueStageNames.Contains(s.Name) || seen.Add(s.Name)) // added for a client and then for every client
            .ToList();
    }

    public LlmKitPipeline Build(LlmKitClientRegistration registration, IServiceProvider services, LlmKitPipelines pipelines)
    {
        IChatClient provider = registration.InnerClientFactory(services)
            ?? throw new InvalidOperationException($"The factory of chat client '{registration.Name}' returned null.");

        // Reading the options here also validates them, so a host without ValidateOnStart still fails on first use
        // with the configuration key in the message rather than deep inside a request.
        var defaults = services.GetRequiredService<IOptionsMonitor<LlmKitClientOptions>>().Get(registration.Name);
        var stages = OrderedStages(registration).ToList();
        if (UpstreamRoutingChatClient.IsNeeded(registration.Name, stages, services))
        {
            stages.Add(UpstreamRoutingChatClient.Stage(pipelines));
            stages = stages.OrderBy(s => s.Order).ToList(); // stable: keeps the ties as they were
        }

        // Built inside out: the upstream half first (what routing from another client enters), then the rest.
        IChatClient client = provider;
        IChatClient? upstream = null;
        for (int i = stages.Count - 1; i >= 0; i--)
        {
            if (upstream is null && !ChatPipelineOrder.IsUpstream(stages[i].Order))
            {
                upstream = client;
            }

            client = stages[i].Create(new ChatPipelineStageContext(client, services, registration.Name))
                ?? throw new InvalidOperationException(
                    $"Pipeline stage '{stages[i].Name}' of chat client '{registration.Name}' returned null.");
        }

        upstream ??= client;
        var description = new ChatPipelineDescription(registration.Name, stages.Select(s => s.Name).ToArray());
        var telemetry = CallTelemetry || registration.CallTelemetry
            ? new CallTelemetry(services.GetRequiredService<LlmKitInstrumentation>(), registration.Name)
            : null;
        var headServices = _headServices.ToDictionary(s => s.Key, s => s.Value(services));
        var head = new ChatPipelineHead(client, description, defaults, telemetry, services.GetService<TimeProvider>() ?? TimeProvider.System, headServices);
        return new LlmKitPipeline(registration.Name, head, upstream, defaults);
    }

    private static string Describe(IReadOnlyList<string> names) =>
        names.Count == 0 ? "none" : string.Join(", ", names.Select(n => $"'{n}'"));
}

/// <summary>The <see cref="ILlmKitChatClients"/> service over the built pipelines.</summary>
internal sealed class LlmKitChatClients(LlmKitRegistry registry, IServiceProvider services) : ILlmKitChatClients
{
    public IReadOnlyList<string> Names => registry.Names;

    public string? EffectiveDefaultName => registry.EffectiveDefaultName;

    public IChatClient GetChatClient(string name)
    {
        registry.Get(name); // throws with the list of registered names
        return services.GetRequiredKeyedService<IChatClient>(name);
    }
}
