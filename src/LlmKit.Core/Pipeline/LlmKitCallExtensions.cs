using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>Begins logical calls that span several pipeline calls.</summary>
public static class LlmKitCallExtensions
{
    /// <summary>
    /// Begins one logical call on a client, for work that makes several model calls but is one thing to the app (a
    /// vote over several answers, a cascade, a map-reduce): pass <see cref="LlmKitCallScope.Apply"/>'s options to each
    /// call, and dispose the scope at the end. <c>GetObjectAsync</c> does this for its re-asks, the tool loop for its turns.
    /// </summary>
    /// <param name="client">The client; on an LlmKit pipeline the call gets a root span and its defaults, elsewhere only an id.</param>
    /// <param name="options">The options the work starts from; when they already carry a logical call, the scope joins it.</param>
    /// <param name="kind">What the call is, for the root span (for example <c>self_consistency</c>).</param>
    /// <returns>The scope.</returns>
    public static LlmKitCallScope BeginLlmKitCall(this IChatClient client, ChatOptions? options = null, string kind = "llmkit.call")
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        if (LlmKitCall.Of(options) is { } open)
        {
            return new LlmKitCallScope(open, telemetry: null, owned: false);
        }

        if (client.GetService<ChatPipelineHead>() is { } head)
        {
            return head.BeginCall(options, kind);
        }

        var call = new LlmKitCall(clientName: null, CallerTags.Resolve(options), DateTimeOffset.UtcNow);
        return new LlmKitCallScope(call, telemetry: null, owned: true);
    }
}
