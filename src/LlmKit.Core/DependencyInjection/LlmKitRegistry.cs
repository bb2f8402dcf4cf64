using LlmKit.Pipeline;
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
    private long _sequence;

    public string? DefaultName { get; set; }

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

    public void AddGlobalStage(ChatPipelineStage stage) => _globalStages.Add((stage, _sequence++));

    public bool HasGlobalStage(string name) => _globalStages.Exists(s => string.Equals(s.Stage.Name, name, StringComparison.Ordinal));

    public void AddClientStage(LlmKitClientRegistration registration, ChatPipelineStage stage) =>
        registration.Stages.Add((stage, _sequence++));

    /// <summary>Returns the stages of a client, outermost first: by order, then by the order they were added.</summary>
    public IReadOnlyList<ChatPipelineStage> OrderedStages(LlmKitClientRegistration registration) =>
        _globalStages.Concat(registration.Stages)
            .OrderBy(s => s.Stage.Order)
            .ThenBy(s => s.Sequence)
            .Select(s => s.Stage)
            .ToList();

    public IChatClient Build(LlmKitClientRegistration registration, IServiceProvider services)
    {
        IChatClient client = registration.InnerClientFactory(services)
            ?? throw new InvalidOperationException($"The factory of chat client '{registration.Name}' returned null.");

        // Reading the options here also validates them, so a host without ValidateOnStart still fails on first use
        // with the configuration key in the message rather than deep inside a request.
        var defaults = services.GetRequiredService<IOptionsMonitor<LlmKitClientOptions>>().Get(registration.Name);
        var stages = OrderedStages(registration).ToList();
        if (defaults.HasAnyDefault)
        {
            stages.Add(new ChatPipelineStage("client-defaults", ChatPipelineOrder.ClientDefaults,
                ctx => new ClientDefaultsChatClient(ctx.InnerClient, defaults)));
            stages = stages.OrderBy(s => s.Order).ToList(); // stable: keeps the ties as they were
        }

        for (int i = stages.Count - 1; i >= 0; i--)
        {
            client = stages[i].Create(new ChatPipelineStageContext(client, services, registration.Name))
                ?? throw new InvalidOperationException(
                    $"Pipeline stage '{stages[i].Name}' of chat client '{registration.Name}' returned null.");
        }

        var description = new ChatPipelineDescription(registration.Name, stages.Select(s => s.Name).ToArray());
        return new ChatPipelineHead(client, description);
    }

    private static string Describe(IReadOnlyList<string> names) =>
        names.Count == 0 ? "none" : string.Join(", ", names.Select(n => $"'{n}'"));
}

/// <summary>The <see cref="ILlmKitChatClients"/> service over one registry.</summary>
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

/// <summary>The outermost wrapper of every LlmKit pipeline: answers <see cref="ChatPipelineDescription"/> queries.</summary>
internal sealed class ChatPipelineHead(IChatClient innerClient, ChatPipelineDescription description) : DelegatingChatClient(innerClient)
{
    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatPipelineDescription)
            ? description
            : base.GetService(serviceType, serviceKey);
}
