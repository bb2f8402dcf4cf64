using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmKit.Tools;

/// <summary>Checks a call's arguments against its tool's JSON schema before the tool runs.</summary>
internal interface IToolArgumentValidator
{
    /// <summary>Returns the problems, each a sentence the model can act on; empty when the arguments are valid.</summary>
    IReadOnlyList<string> Validate(AIFunction tool, JsonElement arguments);
}

/// <summary>
/// A small validator for the part of JSON schema tool signatures use at the top level: <c>required</c>,
/// <c>additionalProperties: false</c>, <c>type</c> and <c>enum</c> of each property.
/// </summary>
internal sealed class MinimalToolArgumentValidator : IToolArgumentValidator
{
    public static MinimalToolArgumentValidator Instance { get; } = new();

    public IReadOnlyList<string> Validate(AIFunction tool, JsonElement arguments)
    {
        var schema = tool.JsonSchema;
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var errors = new List<string>();
        if (arguments.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"/: the arguments must be a JSON object, but were {Kind(arguments)}.");
            return errors;
        }

        bool hasProperties = schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String && !arguments.TryGetProperty(name.GetString()!, out _))
                {
                    errors.Add($"/: the required property '{name.GetString()}' is missing.");
                }
            }
        }

        bool closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var property in arguments.EnumerateObject())
        {
            if (!hasProperties || !properties.TryGetProperty(property.Name, out var propertySchema))
            {
                if (closed)
                {
                    errors.Add($"/{property.Name}: the property is not allowed; the tool accepts {Names(properties, hasProperties)}.");
                }

                continue;
            }

            if (propertySchema.TryGetProperty("type", out var type) && !MatchesType(type, property.Value))
            {
                errors.Add($"/{property.Name}: expected {Describe(type)}, but was {Kind(property.Value)}.");
            }
            else if (propertySchema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array &&
                     !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, property.Value)))
            {
                errors.Add($"/{property.Name}: must be one of {string.Join(", ", values.EnumerateArray().Select(v => v.GetRawText()))}.");
            }
        }

        return errors;
    }

    private static string Names(JsonElement properties, bool hasProperties) =>
        hasProperties && properties.EnumerateObject().Any()
            ? string.Join(", ", properties.EnumerateObject().Select(p => $"'{p.Name}'"))
            : "no arguments";

    private static bool MatchesType(JsonElement type, JsonElement value) => type.ValueKind switch
    {
        JsonValueKind.String => Matches(type.GetString()!, value),
        JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && Matches(t.GetString()!, value)),
        _ => true,
    };

    private static bool Matches(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "number" => value.ValueKind == JsonValueKind.Number,
        // Exact: TryGetDecimal reads 1e-300 as 0 (an integer) and refuses 1e30 (which is one).
        "integer" => value.ValueKind == JsonValueKind.Number && LlmKit.Schema.ExactNumber.From(value).IsInteger,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Describe(JsonElement type) =>
        type.ValueKind == JsonValueKind.Array ? string.Join(" or ", type.EnumerateArray().Select(t => t.GetString())) : type.GetString() ?? "a value";

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => "number",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// Validates arguments with LlmKit's draft 2020-12 validator (<see cref="Schema.JsonSchemaValidator"/>), compiling each
/// tool's schema once. A schema the validator cannot compile (a foreign tool with a broken schema) falls back to
/// <see cref="MinimalToolArgumentValidator"/>, so such a tool stays usable with the basic checks.
/// </summary>
internal sealed class SchemaToolArgumentValidator : IToolArgumentValidator
{
    // Keyed by the function instance, not its name: two tools may share a name across runs, and the table lets
    // short-lived per-call functions be collected.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<AIFunction, Compiled> _compiled = [];

    public static SchemaToolArgumentValidator Instance { get; } = new();

    public IReadOnlyList<string> Validate(AIFunction tool, JsonElement arguments)
    {
        var compiled = _compiled.GetValue(tool, static t => Compile(t.JsonSchema));
        if (compiled.Validator is null)
        {
            return MinimalToolArgumentValidator.Instance.Validate(tool, arguments);
        }

        var result = compiled.Validator.Validate(arguments);
        return result.IsValid ? [] : result.Errors.Select(e => e.ToString()).Distinct().ToList();
    }

    private static Compiled Compile(JsonElement schema)
    {
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            return new Compiled(null);
        }

        try
        {
            return new Compiled(Schema.JsonSchemaValidator.Compile(schema));
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            return new Compiled(null);
        }
    }

    private sealed record Compiled(Schema.JsonSchemaValidator? Validator);
}
