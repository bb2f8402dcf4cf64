using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmKit.Testing.Recording;

/// <summary>Reading and writing HTTP messages the way cassettes store them.</summary>
internal static class HttpRecording
{
    // These describe the bytes on the wire, not the stored text (which is decompressed and complete).
    private static readonly HashSet<string> DroppedResponseHeaders = new(["Content-Length", "Content-Encoding", "Transfer-Encoding"], StringComparer.OrdinalIgnoreCase);

    public static JsonNode? Body(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) ?? JsonValue.Create(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    public static JsonNode? ScrubbedBody(string? text, SecretScrubber scrubber) => Body(text is null ? null : scrubber.Text(text));

    public static List<KeyValuePair<string, string>> Headers(HttpHeaders headers, HttpHeaders? content, SecretScrubber scrubber, bool response)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var header in headers.Concat(content ?? (IEnumerable<KeyValuePair<string, IEnumerable<string>>>)[]))
        {
            if (response && DroppedResponseHeaders.Contains(header.Key))
            {
                continue;
            }

            result.Add(KeyValuePair.Create(header.Key, scrubber.Header(header.Key, string.Join(", ", header.Value))));
        }

        return result;
    }

    public static HttpResponseMessage ToResponse(CassetteInteraction interaction, HttpRequestMessage request)
    {
        var recorded = interaction.Response;
        var response = new HttpResponseMessage((System.Net.HttpStatusCode)recorded.Status)
        {
            RequestMessage = request,
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(recorded.Body)),
        };
        foreach (var (name, value) in recorded.Headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (response.Content.Headers.ContentType is null)
        {
            response.Content.Headers.TryAddWithoutValidation("Content-Type", recorded.Sse ? "text/event-stream" : "application/json");
        }

        return response;
    }
}
