using System.Runtime.CompilerServices;
using LlmKit.Resilience.Fallback;
using Microsoft.Extensions.AI;

namespace LlmKit.Routing;

/// <summary>
/// A stream whose first update has arrived: until then a failure can still be routed elsewhere; after it, the caller
/// has seen text and the stream must go on from the same source.
/// </summary>
internal sealed class StartedStream : IAsyncDisposable
{
    private readonly IAsyncEnumerator<ChatResponseUpdate> _enumerator;
    private readonly bool _hasFirst;

    private StartedStream(IAsyncEnumerator<ChatResponseUpdate> enumerator, bool hasFirst)
    {
        _enumerator = enumerator;
        _hasFirst = hasFirst;
    }

    /// <summary>Gets or sets the fallback source every update is marked with, if the stream is a fallback.</summary>
    public string? Source { get; set; }

    public static async Task<StartedStream> OpenAsync(IChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        var enumerator = client.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            return new StartedStream(enumerator, await enumerator.MoveNextAsync());
        }
        catch
        {
            await enumerator.DisposeAsync();
            throw;
        }
    }

    /// <summary>Streams a fixed answer (a cached or degraded one) through the same path.</summary>
    public static async Task<StartedStream> ReplayAsync(ChatResponse response)
    {
        var enumerator = response.ToChatResponseUpdates().ToAsyncEnumerable().GetAsyncEnumerator();
        return new StartedStream(enumerator, await enumerator.MoveNextAsync()) { Source = response.GetFallbackSource() };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!_hasFirst)
        {
            yield break;
        }

        do
        {
            yield return Source is null ? _enumerator.Current : FallbackResponses.Mark(_enumerator.Current, Source);
        }
        while (await _enumerator.MoveNextAsync());
    }

    public ValueTask DisposeAsync() => _enumerator.DisposeAsync();
}
