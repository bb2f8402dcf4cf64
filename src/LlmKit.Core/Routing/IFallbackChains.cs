using LlmKit.Resilience.Fallback;

namespace LlmKit.Routing;

/// <summary>
/// Where routing finds each client's fallback chain. Routing is part of every pipeline, but the chain is configured with
/// the resilience stage (<c>UseResilience</c>, package LlmKit.Resilience), which registers the implementation; without
/// it no client has a fallback chain.
/// </summary>
internal interface IFallbackChains
{
    /// <summary>Returns the fallback chain of a client (empty when it has none).</summary>
    /// <param name="clientName">The client.</param>
    /// <returns>The chain.</returns>
    ChatFallbackOptions For(string clientName);

    /// <summary>Returns the configuration path of a client's chain, for error messages.</summary>
    /// <param name="clientName">The client.</param>
    /// <returns>For instance <c>LlmKit:Resilience:main:Fallback</c>.</returns>
    string ConfigurationPath(string clientName);
}
