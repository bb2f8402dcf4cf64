using System.Text;

namespace LlmKit.Testing.Recording;

/// <summary>
/// Serves recorded HTTP responses from a <see cref="Cassette"/> to a provider client, so its real parsing, error
/// mapping and usage accounting run offline and deterministically. A request that was not recorded throws
/// <see cref="UnrecordedRequestException"/> naming the closest recorded one; nothing reaches the network.
/// </summary>
/// <param name="cassette">The recording.</param>
/// <param name="matching">How requests find their answers; by request by default.</param>
/// <param name="scrubber">Scrubs incoming requests the way the recorder did, so their keys match; the defaults when omitted.</param>
public sealed class ReplayHttpHandler(Cassette cassette, CassetteMatching matching = CassetteMatching.ByRequest, SecretScrubber? scrubber = null) : HttpMessageHandler
{
    private readonly CassetteReplayer _replayer = new(cassette ?? throw new ArgumentNullException(nameof(cassette)), cassette.Title ?? "cassette", matching);
    private readonly SecretScrubber _scrubber = scrubber ?? new SecretScrubber();

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        string? body = request.Content is null ? null : Encoding.UTF8.GetString(await request.Content.ReadAsByteArrayAsync(cancellationToken));
        var interaction = _replayer.Next(request.Method.Method, _scrubber.Url(request.RequestUri?.ToString() ?? string.Empty), HttpRecording.ScrubbedBody(body, _scrubber));
        return HttpRecording.ToResponse(interaction, request);
    }
}
