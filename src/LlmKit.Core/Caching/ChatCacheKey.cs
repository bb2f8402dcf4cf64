using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace LlmKit.Caching;

/// <summary>
/// Computes the response-cache key of a request: a SHA-256 of the canonical JSON (sorted keys) of the format version,
/// the client, the effective model, the prompt version, the messages, the options and the tools' declarations.
/// </summary>
/// <remarks>
/// LlmKit's own per-call switches (<c>llmkit.*</c> properties such as caller tags) are left out, so that two tenants
/// asking the same question share an answer; the model id is taken from the resolved model rather than the options,
/// so that naming the default model explicitly hits the same entry.
/// </remarks>
internal static class ChatCacheKey
{
    // Bump when the canonical form changes, so old entries are never read in a new shape.
    private const string FormatVersion = "1";

    private static readonly JsonTypeInfo MessageTypeInfo = AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage));
    private static readonly JsonTypeInfo OptionsTypeInfo = AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatOptions));

    public static string Compute(
        string prefix, string clientName, string? model, string? promptVersion, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        using var buffer = new HashingBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            // Top-level properties are written in ordinal order by hand.
            writer.WriteStartObject();
            writer.WriteString("client", clientName);
            writer.WriteString("format", FormatVersion);
            writer.WriteStartArray("messages");
            foreach (var message in messages)
            {
                using var document = JsonSerializer.SerializeToDocument(message, MessageTypeInfo);
                CanonicalJson.Write(writer, document.RootElement);
            }

            writer.WriteEndArray();
            writer.WriteString("model", model);
            if (options is not null)
            {
                writer.WritePropertyName("options");
                using var document = JsonSerializer.SerializeToDocument(options, OptionsTypeInfo);
                WriteOptions(writer, document.RootElement);
            }

            writer.WriteString("promptVersion", promptVersion);
            if (options?.Tools is { Count: > 0 } tools)
            {
                writer.WriteStartArray("tools");
                foreach (var tool in tools)
                {
                    WriteTool(writer, tool);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        buffer.GetHashAndReset(hash);
        return string.Concat(prefix, Convert.ToHexStringLower(hash));
    }

    private static void WriteOptions(Utf8JsonWriter writer, JsonElement options)
    {
        var properties = new List<JsonProperty>();
        foreach (var property in options.EnumerateObject())
        {
            if (property.Name != "modelId")
            {
                properties.Add(property);
            }
        }

        properties.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        writer.WriteStartObject();
        foreach (var property in properties)
        {
            if (property.Name == "additionalProperties" && property.Value.ValueKind == JsonValueKind.Object)
            {
                writer.WritePropertyName(property.Name);
                CanonicalJson.WriteObject(writer, property.Value, static name => name.StartsWith("llmkit.", StringComparison.Ordinal));
            }
            else
            {
                writer.WritePropertyName(property.Name);
                CanonicalJson.Write(writer, property.Value);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteTool(Utf8JsonWriter writer, AITool tool)
    {
        writer.WriteStartObject();
        if (tool.AdditionalProperties is { Count: > 0 } additional)
        {
            writer.WritePropertyName("additionalProperties");
            using var document = JsonSerializer.SerializeToDocument(additional, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IReadOnlyDictionary<string, object?>)));
            CanonicalJson.Write(writer, document.RootElement);
        }

        writer.WriteString("description", tool.Description);
        writer.WriteString("name", tool.Name);
        if (tool is AIFunctionDeclaration function)
        {
            writer.WritePropertyName("parameters");
            CanonicalJson.Write(writer, function.JsonSchema);
            if (function.ReturnJsonSchema is { } returns)
            {
                writer.WritePropertyName("returns");
                CanonicalJson.Write(writer, returns);
            }
        }

        writer.WriteEndObject();
    }
}
