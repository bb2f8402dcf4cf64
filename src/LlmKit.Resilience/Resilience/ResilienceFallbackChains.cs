using LlmKit.Resilience.Fallback;
using LlmKit.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Resilience;

/// <summary>The fallback chains routing follows: each client's <see cref="ResilienceOptions.Fallback"/>.</summary>
internal sealed class ResilienceFallbackChains(IOptionsMonitor<ResilienceOptions> options) : IFallbackChains
{
    public ChatFallbackOptions For(string clientName) => options.Get(clientName).Fallback;

    public string ConfigurationPath(string clientName) => ResilienceBuilderExtensions.SectionPath(clientName) + ":Fallback";
}
