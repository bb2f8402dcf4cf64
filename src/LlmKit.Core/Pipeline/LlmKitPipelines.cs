using System.Collections.Concurrent;
using LlmKit.DependencyInjection;

namespace LlmKit.Pipeline;

/// <summary>
/// Builds each named client's pipeline once per service provider, on first use, and hands out its halves: the head to
/// the app (as the keyed <c>IChatClient</c>) and the upstream half to routing.
/// </summary>
internal sealed class LlmKitPipelines(LlmKitRegistry registry, IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, Lazy<LlmKitPipeline>> _built = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => registry.Names;

    public LlmKitPipeline Get(string name)
    {
        var registration = registry.Get(name); // throws with the list of registered names
        return _built.GetOrAdd(name, _ => new Lazy<LlmKitPipeline>(() => registry.Build(registration, services, this))).Value;
    }
}
