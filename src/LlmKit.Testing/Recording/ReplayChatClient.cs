using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Testing.Recording;

/// <summary>
/// Answers chat calls from a cassette recorded by <see cref="RecordingChatClient"/>: requests are matched by their
/// canonical key (messages, options and tools, with LlmKit's per-call tags left out), identical requests get their
/// recorded answers in order, and a request that was never recorded throws <see cref="UnrecordedRequestException"/>
/// instead of inventing an answer. Recorded failures are thrown again as <see cref="Errors.LlmException"/>s of the
/// same kind, and the client reports the recorded client's metadata and capabilities, so features that adapt to the
/// client send the requests they sent while recording. Thread-safe.
/// </summary>
public sealed class ReplayChatClient : IChatClient
{
    private readonly CassetteReplayer _replayer;
    private readonly SecretScrubber _scrubber;
    private readonly ChatClientMetadata _metadata;
    private readonly ChatClientCapabilities? _capabilities;

    /// <summary>Initializes a new instance of the <see cref="ReplayChatClient"/> class.</summary>
    /// <param name="cassette">The recording.</param>
    /// <param name="scrubber">Scrubs requests the way the recorder did, so their keys match; the defaults when omitted.</param>
    public ReplayChatClient(Cassette cassette, SecretScrubber? scrubber = null)
    {
        ArgumentNullException.ThrowIfNull(cassette);
        if (cassette.Provider != Cassette.ChatProvider)
        {
            throw new ArgumentException(
                $"The cassette was recorded from '{cassette.Provider}' HTTP traffic; replay it under that provider's HttpClient with ReplayHttpHandler. ReplayChatClient serves cassettes of RecordingChatClient ('{Cassette.ChatProvider}').",
                nameof(cassette));
        }

        _replayer = new CassetteReplayer(cassette, cassette.Title ?? "chat cassette", CassetteMatching.ByRequest);
        (_metadata, _capabilities) = ChatRecordingFormat.ReadClient(cassette.Client);
        _scrubber = scrubber ?? new SecretScrubber();
    }

    /// <summary>Creates a replaying client from a cassette file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The client.</returns>
    public static ReplayChatClient FromFile(string path) => new(Cassette.Load(path));

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var interaction = _replayer.Next("POST", ChatRecordingFormat.Url, ChatRecordingFormat.RequestBody(messages, options, streaming: false, _scrubber));
        var recorded = interaction.Response;
        return recorded.Status >= 400
            ? Task.FromException<ChatResponse>(ChatRecordingFormat.ReadError(recorded.Status, recorded.Body))
            : Task.FromResult(ChatRecordingFormat.ReadResponse(recorded.Body));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var interaction = _replayer.Next("POST", ChatRecordingFormat.Url, ChatRecordingFormat.RequestBody(messages, options, streaming: true, _scrubber));
        var recorded = interaction.Response;
        if (recorded.Status >= 400)
        {
            throw ChatRecordingFormat.ReadError(recorded.Status, recorded.Body);
        }

        foreach (var (isError, data) in ChatRecordingFormat.Events(recorded.Body))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (isError)
            {
                throw ChatRecordingFormat.ReadError(500, data);
            }

            yield return JsonSerializer.Deserialize<ChatResponseUpdate>(data, AIJsonUtilities.DefaultOptions)!;
            await Task.Yield();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null :
            serviceType == typeof(ChatClientMetadata) ? _metadata :
            serviceType == typeof(ChatClientCapabilities) ? _capabilities :
            serviceType.IsInstanceOfType(this) ? this :
            null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
