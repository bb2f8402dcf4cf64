using System.Text;

namespace LlmKit.Testing.Recording;

/// <summary>
/// Records the real HTTP traffic of a provider client into a <see cref="Cassette"/> (format
/// <c>llmkit-recording/v1</c>, the one LlmKit's provider tests replay), with credentials scrubbed before they are
/// stored. Put it under a provider's <see cref="HttpClient"/>; replay the cassette later with
/// <see cref="ReplayHttpHandler"/>, through the same provider code.
/// </summary>
/// <remarks>
/// Responses are read to the end before they are handed on, so while recording a stream arrives all at once (the
/// recorded body is the whole stream, exactly as sent).
/// </remarks>
public sealed class RecordingHttpHandler : DelegatingHandler
{
    private readonly SecretScrubber _scrubber;

    /// <summary>Initializes a new instance of the <see cref="RecordingHttpHandler"/> class.</summary>
    /// <param name="cassette">Where interactions go.</param>
    /// <param name="innerHandler">The handler that reaches the network; a new <see cref="HttpClientHandler"/> when omitted.</param>
    /// <param name="scrubber">What to scrub; the defaults when omitted.</param>
    public RecordingHttpHandler(Cassette cassette, HttpMessageHandler? innerHandler = null, SecretScrubber? scrubber = null)
        : base(innerHandler ?? new HttpClientHandler())
    {
        Cassette = cassette ?? throw new ArgumentNullException(nameof(cassette));
        _scrubber = scrubber ?? new SecretScrubber();
    }

    /// <summary>Gets the cassette being recorded.</summary>
    public Cassette Cassette { get; }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? requestBody = null;
        if (request.Content is { } content)
        {
            // Buffer the body so it can be both recorded and sent.
            byte[] bytes = await content.ReadAsByteArrayAsync(cancellationToken);
            requestBody = Encoding.UTF8.GetString(bytes);
            var copy = new ByteArrayContent(bytes);
            foreach (var header in content.Headers)
            {
                copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            request.Content = copy;
        }

        var response = await base.SendAsync(request, cancellationToken);
        byte[] responseBytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var replacement = new ByteArrayContent(responseBytes);
        foreach (var header in response.Content.Headers)
        {
            replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        var headers = HttpRecording.Headers(response.Headers, response.Content.Headers, _scrubber, response: true);
        response.Content = replacement;
        bool sse = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        Cassette.Add(CassetteInteraction.Create(
            request.Method.Method,
            _scrubber.Url(request.RequestUri?.ToString() ?? string.Empty),
            HttpRecording.Headers(request.Headers, request.Content?.Headers, _scrubber, response: false),
            HttpRecording.ScrubbedBody(requestBody, _scrubber),
            (int)response.StatusCode,
            headers,
            _scrubber.Text(Encoding.UTF8.GetString(responseBytes)),
            sse));
        return response;
    }
}
