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

/// <summary>
/// A number keyword's value, exact: <see cref="Small"/> is the decimal fast path when the text fits one without
/// rounding; <see cref="Exact"/> always holds it (see <see cref="ExactNumber"/>).
/// </summary>
internal readonly record struct SchemaNumber(decimal? Small, ExactNumber Exact, string Text);

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
    public Dictionary<string, SchemaNode>.AlternateLookup<ReadOnlySpan<char>> PropertyLookupBySpan;
    public (Regex Regex, string Text, SchemaNode Schema)[]? PatternProperties;
    public SchemaNode? AdditionalProperties;
    public SchemaNode? PropertyNames;
    public string[]? Required;
    public byte[][]? RequiredUtf8;
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

    /// <summary>The static target of <c>$dynamicRef</c>: where it lands when no outer resource overrides the anchor.</summary>
    public SchemaNode? DynamicRef;

    /// <summary>
    /// The anchor name a <c>$dynamicRef</c> looks up in the dynamic scope, set only when its static target declares the
    /// same <c>$dynamicAnchor</c> (otherwise it behaves as <c>$ref</c>).
    /// </summary>
    public string? DynamicRefAnchor;

    public SchemaNode? UnevaluatedProperties;
    public SchemaNode? UnevaluatedItems;

    /// <summary>The schema resource (nearest <c>$id</c> or document) this node belongs to, for <c>$dynamicRef</c>.</summary>
    public SchemaResource? Resource;
}

/// <summary>
/// A schema resource: a document or a subschema with its own <c>$id</c>. Evaluation enters it whenever it evaluates
/// one of its nodes; the resources entered so far form the dynamic scope that <c>$dynamicRef</c> searches, outermost
/// first, for a <c>$dynamicAnchor</c> of the same name.
/// </summary>
internal sealed class SchemaResource(string uri)
{
    public string Uri { get; } = uri;

    /// <summary>The <c>$dynamicAnchor</c>s declared in this resource, or null when it declares none.</summary>
    public Dictionary<string, SchemaNode>? DynamicAnchors { get; set; }
}
