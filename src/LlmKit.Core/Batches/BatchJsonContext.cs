using System.Text.Json.Serialization;

namespace LlmKit.Batches;

/// <summary>Source-generated serialization of batch records (trimming-safe, and the file format stays stable).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ChatBatchRecord))]
internal sealed partial class BatchJsonContext : JsonSerializerContext;
