using System.Text.Json.Nodes;

namespace LlmKit.Testing.Recording;

/// <summary>One request and the response it got, as a cassette stores them.</summary>
public sealed class CassetteInteraction
{
    internal CassetteInteraction(JsonObject node)
    {
        Node = node;
        Request = new RecordedRequest(node["request"] as JsonObject ?? []);
        Response = new RecordedResponse(node["response"] as JsonObject ?? []);
    }

    /// <summary>Gets the request.</summary>
    public RecordedRequest Request { get; }

    /// <summary>Gets the response.</summary>
    public RecordedResponse Response { get; }

    internal JsonObject Node { get; }

    /// <summary>Creates an interaction.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="url">The URL.</param>
    /// <param name="requestHeaders">The request headers (already scrubbed).</param>
    /// <param name="requestBody">The request body: JSON as a node, other text as a string node, or <see langword="null"/>.</param>
    /// <param name="status">The response status.</param>
    /// <param name="responseHeaders">The response headers (already scrubbed).</param>
    /// <param name="responseBody">The response body text.</param>
    /// <param name="sse">Whether the body is a server-sent-events stream.</param>
    /// <returns>The interaction.</returns>
    public static CassetteInteraction Create(
        string method, string url, IEnumerable<KeyValuePair<string, string>> requestHeaders, JsonNode? requestBody,
        int status, IEnumerable<KeyValuePair<string, string>> responseHeaders, string responseBody, bool sse)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(url);
        ArgumentNullException.ThrowIfNull(responseBody);
        var node = new JsonObject
        {
            ["request"] = new JsonObject
            {
                ["method"] = method,
                ["url"] = url,
                ["headers"] = Headers(requestHeaders),
                ["body"] = requestBody?.DeepClone(),
            },
            ["response"] = new JsonObject
            {
                ["status"] = status,
                ["headers"] = Headers(responseHeaders),
                ["body"] = responseBody,
                ["sse"] = sse,
            },
        };
        return new CassetteInteraction(node);
    }

    private static JsonObject Headers(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var result = new JsonObject();
        foreach (var (name, value) in headers ?? [])
        {
            result[name] = value;
        }

        return result;
    }
}

/// <summary>A recorded request.</summary>
public sealed class RecordedRequest
{
    private readonly JsonObject _node;

    internal RecordedRequest(JsonObject node) => _node = node;

    /// <summary>Gets the HTTP method.</summary>
    public string Method => (string?)_node["method"] ?? "POST";

    /// <summary>Gets the URL.</summary>
    public string Url => (string?)_node["url"] ?? string.Empty;

    /// <summary>Gets the headers (single strings; credentials replaced by <c>REDACTED</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers =>
        (_node["headers"] as JsonObject)?.ToDictionary(h => h.Key, h => h.Value?.ToString() ?? string.Empty, StringComparer.OrdinalIgnoreCase)
        ?? new Dictionary<string, string>();

    /// <summary>Gets the body: a JSON object or array for JSON bodies, a string node for other text, <see langword="null"/> for none.</summary>
    public JsonNode? Body => _node["body"];
}

/// <summary>A recorded response.</summary>
public sealed class RecordedResponse
{
    private readonly JsonObject _node;

    internal RecordedResponse(JsonObject node) => _node = node;

    /// <summary>Gets the HTTP status.</summary>
    public int Status => (int?)_node["status"] ?? 200;

    /// <summary>Gets the headers.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers =>
        (_node["headers"] as JsonObject)?.Select(h => KeyValuePair.Create(h.Key, h.Value?.ToString() ?? string.Empty)).ToArray() ?? [];

    /// <summary>Gets the body text, exactly as received (for SSE: the whole stream).</summary>
    public string Body => (string?)_node["body"] ?? string.Empty;

    /// <summary>Gets whether the body is a server-sent-events stream.</summary>
    public bool Sse => (bool?)_node["sse"] ?? false;
}
