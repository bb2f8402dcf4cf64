using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers;

/// <summary>A provider's reader of its own stream events: the one part of streaming that differs between providers.</summary>
internal interface IChatStreamAssembler
{
    /// <summary>Gets a value indicating whether the provider said the answer is complete (a finish reason, <c>message_stop</c>).</summary>
    bool Finished { get; }

    /// <summary>Gets a value indicating whether nothing can follow, so reading can stop (Anthropic's <c>message_stop</c>).</summary>
    bool Ended { get; }

    /// <summary>Turns one event's data into updates.</summary>
    IEnumerable<ChatResponseUpdate> Read(JsonElement data);

    /// <summary>Returns whatever is still held back when the stream ends (assembled tool calls, a half surrogate pair).</summary>
    ChatResponseUpdate? Flush();
}
