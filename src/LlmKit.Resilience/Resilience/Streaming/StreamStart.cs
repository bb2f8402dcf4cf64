using LlmKit.Resilience.Timeout;
using Microsoft.Extensions.AI;

namespace LlmKit.Resilience.Streaming;

/// <summary>
/// The commit point of a streamed call: an attempt whose first update has arrived. Until then the stage may retry or
/// hedge; from then on the caller has seen text, so the stream goes on from this attempt whatever happens.
/// </summary>
internal sealed class StreamStart : IAsyncDisposable
{
    private StreamStart(IAsyncEnumerator<ChatResponseUpdate> enumerator, ChatResponseUpdate? first, AttemptScope attempt, CallDeadline call)
    {
        Enumerator = enumerator;
        First = first;
        Attempt = attempt;
        Call = call;
    }

    public IAsyncEnumerator<ChatResponseUpdate> Enumerator { get; }

    /// <summary>Gets the first update, or <see langword="null"/> when the stream ended without any.</summary>
    public ChatResponseUpdate? First { get; }

    public AttemptScope Attempt { get; }

    /// <summary>Gets the call's deadline scope, which the stream now owns (the stream outlives the Polly pipeline).</summary>
    public CallDeadline Call { get; }

    public static async Task<StreamStart> OpenAsync(
        IChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions options, AttemptScope attempt, CallDeadline call)
    {
        var enumerator = client.GetStreamingResponseAsync(messages, options, attempt.Token).GetAsyncEnumerator(attempt.Token);
        try
        {
            bool any = await enumerator.MoveNextAsync();
            attempt.Detach();
            return new StreamStart(enumerator, any ? enumerator.Current : null, attempt, call);
        }
        catch
        {
            await enumerator.DisposeAsync();
            attempt.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Enumerator.DisposeAsync();
        }
        finally
        {
            Attempt.Dispose();
            Call.Dispose();
        }
    }
}
