using System.Text.Json.Serialization;

namespace LlmKit.Providers.OpenAI;

/// <summary>Source-generated serialization of the Batch API's create request (trimming-safe).</summary>
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string))]
internal sealed partial class OpenAIBatchJsonContext : JsonSerializerContext;
