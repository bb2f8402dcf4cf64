using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace LlmKit.Testing.Recording;

/// <summary>
/// Records every call to the chat client it wraps (any <see cref="IChatClient"/>, LlmKit's or not) into a
/// <see cref="Cassette"/>: the request, and the response, streamed updates or failure it got. Record a real run once,
/// save the cassette next to the tests, and replay it in CI with <see cref="ReplayChatClient"/>.
/// </summary>
/// <remarks>
/// Secrets are scrubbed before anything is stored (<see cref="SecretScrubber"/>). Cancelled calls are not recorded:
/// they have no answer to replay. The recorder passes every call through unchanged, streams included.
/// </remarks>
public sealed class RecordingChatClient : DelegatingChatClient
{
    private readonly SecretScrubber _scrubber;

    /// <summary>Initializes a new instance of the <see cref="RecordingChatClient"/> class.</summary>
    /// <param name="innerClient">The real client.</param>
    /// <param name="cassette">Where calls are recorded; a new chat cassette when omitted.</param>
    /// <param name="scrubber">What to scrub; the defaults when omitted.</param>
    public RecordingChatClient(IChatClient innerClient, Cassette? cassette = null, SecretScrubber? scrubber = null)
        : base(innerClient)
    {
        Cassette = cassette ?? Cassette.Create(Cassette.ChatProvider);
        _scrubber = scrubber ?? new SecretScrubber();
        Cassette.Client = ChatRecordingFormat.DescribeClient(innerClient);
    }

    /// <summary>Gets the cassette being recorded; <see cref="Cassette.Save"/> it when the run is over.</summary>
    public Cassette Cassette { get; }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var body = ChatRecordingFormat.RequestBody(list, options, streaming: false, _scrubber);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(list, options, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var (status, error) = ChatRecordingFormat.Error(ex);
            Cassette.Add(CassetteInteraction.Create("POST", ChatRecordingFormat.Url, [], body, status, ChatRecordingFormat.JsonHeaders(false), _scrubber.Text(error), false));
            throw;
        }

        Cassette.Add(CassetteInteraction.Create("POST", ChatRecordingFormat.Url, [], body, 200, ChatRecordingFormat.JsonHeaders(false), _scrubber.Text(ChatRecordingFormat.ResponseBody(response)), false));
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var body = ChatRecordingFormat.RequestBody(list, options, streaming: true, _scrubber);
        var stream = new StringBuilder();
        await using var updates = base.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    break;
                }

                update = updates.Current;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A stream that breaks part-way is replayed the same way: the updates, then the failure.
                stream.Append(ChatRecordingFormat.ErrorEvent(ex));
                Cassette.Add(CassetteInteraction.Create("POST", ChatRecordingFormat.Url, [], body, 200, ChatRecordingFormat.JsonHeaders(true), _scrubber.Text(stream.ToString()), true));
                throw;
            }

            stream.Append(ChatRecordingFormat.UpdateEvent(update));
            yield return update;
        }

        stream.Append(ChatRecordingFormat.DoneEvent);
        Cassette.Add(CassetteInteraction.Create("POST", ChatRecordingFormat.Url, [], body, 200, ChatRecordingFormat.JsonHeaders(true), _scrubber.Text(stream.ToString()), true));
    }
}
