using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmKit.Schema;

[Flags]
internal enum JsonTypes
{
    None = 0,
    Null = 1,
    Boolean = 2,
    Object = 4,
    Array = 8,
    Number = 16,
    Integer = 32,
    String = 64,
}

/// <summary>A number bound kept both exactly (decimal, when it fits) and approximately (double), so 0.1-style bounds compare exactly.</summary>
internal readonly record struct SchemaNumber(double Double, decimal Decimal, bool IsExact, string Text);

/// <summary>
/// One compiled schema: every keyword LlmKit understands, parsed once. A flat record of optional fields is evaluated
/// faster than a list of keyword objects, and there are few enough keywords for it to stay readable.
/// </summary>
internal sealed class SchemaNode
{
    public static readonly SchemaNode AlwaysTrue = new() { Location = "#", BooleanValue = true };

    public string Location = "#";

    /// <summary>True or false for a boolean schema; null for an object schema.</summary>
    public bool? BooleanValue;

    public JsonTypes Types;
    public string? TypeText;
    public JsonElement[]? Enum;
    public bool HasConst;
    public JsonElement Const;

    public SchemaNumber? Minimum;
    public SchemaNumber? Maximum;
    public SchemaNumber? ExclusiveMinimum;
    public SchemaNumber? ExclusiveMaximum;
    public SchemaNumber? MultipleOf;

    public int? MinLength;
    public int? MaxLength;
    public Regex? Pattern;
    public string? PatternText;
    public string? Format;

    public SchemaNode[]? PrefixItems;
    public SchemaNode? Items;
    public SchemaNode? Contains;
    public int? MinContains;
    public int? MaxContains;
    public int? MinItems;
    public int? MaxItems;
    public bool UniqueItems;

    public KeyValuePair<string, SchemaNode>[]? Properties;
    public Dictionary<string, SchemaNode>? PropertyLookup;
    public (Regex Regex, string Text, SchemaNode Schema)[]? PatternProperties;
    public SchemaNode? AdditionalProperties;
    public SchemaNode? PropertyNames;
    public string[]? Required;
    public int? MinProperties;
    public int? MaxProperties;
    public KeyValuePair<string, string[]>[]? DependentRequired;
    public KeyValuePair<string, SchemaNode>[]? DependentSchemas;

    public SchemaNode[]? AllOf;
    public SchemaNode[]? AnyOf;
    public SchemaNode[]? OneOf;
    public SchemaNode? Not;
    public SchemaNode? If;
    public SchemaNode? Then;
    public SchemaNode? Else;

    public SchemaNode? Ref;
    public string? RefText;
    public SchemaNode? DynamicRef;
}
