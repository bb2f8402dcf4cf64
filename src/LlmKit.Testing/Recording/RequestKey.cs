using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Schema;

namespace LlmKit.Testing.Recording;

/// <summary>
/// The canonical identity of a request, which replay matches on: the method, the URL with its query parameters sorted,
/// and the body as canonical JSON (object keys sorted, so the order a serializer happened to use does not matter).
/// </summary>
internal static class RequestKey
{
    public static string Of(string method, string url, JsonNode? body)
    {
        var text = new StringBuilder();
        text.Append(method.ToUpperInvariant()).Append(' ').Append(CanonicalUrl(url)).Append('\n');
        text.Append(CanonicalBody(body));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public static string CanonicalBody(JsonNode? body) => body switch
    {
        null => string.Empty,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => (string)value!,
        _ => CanonicalJson.Serialize(JsonSerializer.SerializeToElement(body)),
    };

    private static string CanonicalUrl(string url)
    {
        int query = url.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return url;
        }

        var parameters = url[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        return url[..query] + "?" + string.Join('&', parameters);
    }
}
