using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using LlmKit.ChatCompletion;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.StructuredOutput;

[Description("A person mentioned in the text")]
public sealed record Person(
    [property: Description("Full name")] string Name,
    [property: Range(0, 130)] int Age,
    string? Email = null);

public sealed record Order(string Id, [property: MinLength(1)] List<OrderLine> Lines) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Lines.Count > 0 && Lines.Sum(l => l.Quantity) > 100)
        {
            yield return new ValidationResult("An order may hold at most 100 items in total.", [nameof(Lines)]);
        }
    }
}

public sealed record OrderLine(string Sku, int Quantity);

[JsonConverter(typeof(JsonStringEnumConverter<Sentiment>))]
public enum Sentiment
{
    Negative,
    Neutral,
    Positive,
}

public sealed record WithCallback(string Name, Action Callback);

[JsonSerializable(typeof(Person))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class TestJsonContext : JsonSerializerContext;

/// <summary>Lets a test say what the "provider" supports, as a real LlmKit provider would.</summary>
internal sealed class CapabilitiesChatClient(IChatClient inner, ChatClientCapabilities capabilities) : DelegatingChatClient(inner)
{
    public static readonly ChatClientCapabilities Native = new() { SupportsJsonSchemaResponseFormat = true, SupportsStrictJsonSchema = true };
    public static readonly ChatClientCapabilities NativeNotStrict = new() { SupportsJsonSchemaResponseFormat = true };
    public static readonly ChatClientCapabilities ToolsOnly = new() { SupportsToolCalling = true, SupportsRequiredToolChoice = true };
    public static readonly ChatClientCapabilities Nothing = new() { SupportsToolCalling = false, SupportsRequiredToolChoice = false };

    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientCapabilities) && serviceKey is null ? capabilities : base.GetService(serviceType, serviceKey);
}
