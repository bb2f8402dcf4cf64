using Microsoft.Extensions.AI;

namespace LlmKit.StructuredOutput;

/// <summary>
/// The pipeline stage <c>AddStructuredOutput</c> adds: it changes no call, and answers
/// <c>GetService(typeof(StructuredOutputOptions))</c> with the app's configured defaults, which
/// <c>GetObjectAsync</c>/<c>StreamObjectAsync</c> use when a call passes no options of its own.
/// </summary>
internal sealed class StructuredOutputDefaultsChatClient(IChatClient innerClient, StructuredOutputOptions defaults) : DelegatingChatClient(innerClient)
{
    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(StructuredOutputOptions) && serviceKey is null ? defaults : base.GetService(serviceType, serviceKey);
}
