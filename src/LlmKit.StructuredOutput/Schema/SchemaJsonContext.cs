using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmKit.Schema;

/// <summary>Source-generated serialization for the few shapes the schema code writes itself (trimming-safe).</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonNode))]
internal sealed partial class SchemaJsonContext : JsonSerializerContext;
