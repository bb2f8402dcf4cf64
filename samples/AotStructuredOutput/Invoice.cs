using System.Text.Json.Serialization;

namespace AotStructuredOutput;

/// <summary>The answer's shape.</summary>
public sealed record Invoice(string Number, decimal Total, string Currency);

/// <summary>The source-generated contract: schema, reading and writing without reflection.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Invoice))]
internal sealed partial class InvoiceJsonContext : JsonSerializerContext;
