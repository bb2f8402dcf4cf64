using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LlmKit.Pipeline;
using LlmKit.Schema;
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
                CanonicalJson.WriteSorted(writer, document.RootElement);
            }

            writer.WriteEndArray();
            writer.WriteString("model", model);
            if (options is not null)
            {
                writer.WritePropertyName("options");
                using var document = JsonSerializer.SerializeToDocument(WithoutLlmKitProperties(options), OptionsTypeInfo);
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

    /// <summary>
    /// LlmKit's own properties are dropped before the options are serialized, not after: some hold live objects (the
    /// logical call) that have no business in a key and may not serialize at all.
    /// </summary>
    private static ChatOptions WithoutLlmKitProperties(ChatOptions options)
    {
        if (options.AdditionalProperties is not { Count: > 0 } properties || !properties.Keys.Any(LlmKitCallProperties.IsLlmKitKey))
        {
            return options;
        }

        var copy = options.Clone();
        foreach (string key in properties.Keys)
        {
            if (LlmKitCallProperties.IsLlmKitKey(key))
            {
                copy.AdditionalProperties!.Remove(key);
            }
        }

        if (copy.AdditionalProperties!.Count == 0)
        {
            copy.AdditionalProperties = null;
        }

        return copy;
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
                CanonicalJson.WriteSorted(writer, property.Value, LlmKitCallProperties.IsLlmKitKey);
            }
            else
            {
                writer.WritePropertyName(property.Name);
                CanonicalJson.WriteSorted(writer, property.Value);
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
            CanonicalJson.WriteSorted(writer, document.RootElement);
        }

        writer.WriteString("description", tool.Description);
        writer.WriteString("name", tool.Name);
        if (tool is AIFunctionDeclaration function)
        {
            writer.WritePropertyName("parameters");
            CanonicalJson.WriteSorted(writer, function.JsonSchema);
            if (function.ReturnJsonSchema is { } returns)
            {
                writer.WritePropertyName("returns");
                CanonicalJson.WriteSorted(writer, returns);
            }
        }

        writer.WriteEndObject();
    }
}
