using System.Reflection;
using System.Text.Json;

namespace LlmKit.Schema;

/// <summary>
/// The official draft 2020-12 meta-schema and its vocabulary meta-schemas, shipped inside this assembly (see
/// THIRD-PARTY-NOTICES.md) so a <c>$ref</c> to <c>https://json-schema.org/draft/2020-12/schema</c> resolves offline.
/// Nothing is ever fetched. Parsed on first use, keyed by each document's <c>$id</c>.
/// </summary>
internal static class JsonSchemaMetaSchemas
{
    private const string ResourcePrefix = "LlmKit.Schema.MetaSchemas.";

    private static readonly Lazy<Dictionary<string, JsonElement>> Documents = new(Load);

    /// <summary>Returns the bundled meta-schema whose <c>$id</c> is <paramref name="uri"/> (without fragment).</summary>
    public static bool TryGet(string uri, out JsonElement document) => Documents.Value.TryGetValue(uri, out document);

    private static Dictionary<string, JsonElement> Load()
    {
        var assembly = typeof(JsonSchemaMetaSchemas).Assembly;
        var documents = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var document = JsonDocument.Parse(stream);
            var root = document.RootElement.Clone();
            documents[SchemaUri.WithoutFragment(new Uri(root.GetProperty("$id").GetString()!))] = root;
        }

        return documents;
    }
}
