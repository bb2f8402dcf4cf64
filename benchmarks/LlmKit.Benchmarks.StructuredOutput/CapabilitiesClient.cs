using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Benchmarks.StructuredOutput;

/// <summary>Says what the "provider" supports, as a real LlmKit provider would, so the benchmarks pick the native strategy.</summary>
internal sealed class CapabilitiesClient(IChatClient inner, ChatClientCapabilities capabilities) : DelegatingChatClient(inner)
{
    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientCapabilities) ? capabilities : base.GetService(serviceType, serviceKey);
}
