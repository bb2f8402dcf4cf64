using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmKit.Schema;

/// <summary>
/// Transforms schemas into the subset that OpenAI strict structured outputs (constrained decoding) accepts, and wraps
/// non-object roots in an object, since providers require an object at the root.
/// </summary>
/// <remarks>
/// The strict form is only what is sent to the provider: LlmKit still validates the answer against the full schema, so
/// keywords moved into descriptions (<c>minLength</c>, <c>uniqueItems</c>, unsupported formats …) are still enforced.
/// </remarks>
public static class StrictJsonSchema
{
    /// <summary>The name of the single property a wrapped non-object root is held in: <c>value</c>.</summary>
    public const string WrapperPropertyName = "value";

    private static readonly HashSet<string> SupportedFormats = new(StringComparer.Ordinal)
    {
        "date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid",
    };

    // Keywords a strict provider rejects but whose meaning a model can still follow when told in words.
    private static readonly HashSet<string> MovedToDescription = new(StringComparer.Ordinal)
    {
        "minLength", "maxLength", "uniqueItems", "minProperties", "maxProperties", "default", "format",
        "contentEncoding", "contentMediaType", "examples",
    };

    // Keywords that change which values are valid in ways a strict provider cannot express: such a schema is not strict-compatible.
    private static readonly HashSet<string> Incompatible = new(StringComparer.Ordinal)
    {
        "allOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "patternProperties",
        "propertyNames", "prefixItems", "contains", "minContains", "maxContains", "unevaluatedProperties",
        "unevaluatedItems", "$dynamicRef", "$dynamicAnchor",
    };

    private static readonly HashSet<string> Dropped = new(StringComparer.Ordinal) { "$schema", "$id", "$comment", "title", "readOnly", "writeOnly", "deprecated" };

    /// <summary>Returns whether a schema needs wrapping: its root is not always an object.</summary>
    /// <param name="schema">The schema.</param>
    /// <returns><see langword="true"/> unless the root's <c>type</c> is exactly <c>object</c>.</returns>
    public static bool NeedsWrapping(JsonElement schema) =>
        !(schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) &&
          type.ValueKind == JsonValueKind.String && type.ValueEquals("object"));

    /// <summary>
    /// Wraps a schema in <c>{"type":"object","properties":{"value": schema},"required":["value"],"additionalProperties":false}</c>,
    /// hoisting <c>$defs</c> to the new root and rewriting local <c>$ref</c>s so they still resolve.
    /// </summary>
    /// <param name="schema">The schema to wrap.</param>
    /// <returns>The wrapped schema.</returns>
    public static JsonElement Wrap(JsonElement schema)
    {
        var inner = JsonNode.Parse(schema.GetRawText()) ?? new JsonObject();
        JsonNode? defs = null;
        string? description = null;
        if (inner is JsonObject innerObject)
        {
            innerObject.Remove("$defs", out defs);
            innerObject.Remove("$schema");
            description = innerObject["description"]?.GetValue<string>();
        }

        RewriteRefs(inner, "#/properties/" + WrapperPropertyName);
        var root = new JsonObject { ["type"] = "object" };
        if (description is not null)
        {
            root["description"] = description;
        }

        root["properties"] = new JsonObject { [WrapperPropertyName] = inner };
        root["required"] = new JsonArray(WrapperPropertyName);
        root["additionalProperties"] = false;
        if (defs is not null)
        {
            root["$defs"] = defs;
        }

        return JsonSerializer.SerializeToElement(root, SchemaJsonContext.Default.JsonNode);
    }

    /// <summary>
    /// Tries to build the strict form of an object-rooted schema: every object closed (<c>additionalProperties:false</c>)
    /// with every property required, optional properties made nullable, unsupported keywords moved into descriptions.
    /// </summary>
    /// <param name="schema">The schema; its root must be an object schema (see <see cref="Wrap"/>).</param>
    /// <param name="strict">The strict form, when possible.</param>
    /// <param name="reason">Why the schema has no strict form (for example a dictionary, which needs open objects).</param>
    /// <returns><see langword="true"/> when <paramref name="strict"/> was produced.</returns>
    public static bool TryCreate(JsonElement schema, out JsonElement strict, out string? reason)
    {
        strict = default;
        if (NeedsWrapping(schema))
        {
            reason = "The root is not an object schema; wrap it first.";
            return false;
        }

        var root = JsonNode.Parse(schema.GetRawText())!.AsObject();
        root.Remove("$schema");
        reason = Transform(root, "#");
        if (reason is not null)
        {
            return false;
        }

        strict = JsonSerializer.SerializeToElement(root, SchemaJsonContext.Default.JsonNode);
        return true;
    }

    private static string? Transform(JsonNode? node, string location)
    {
        if (node is not JsonObject schema)
        {
            return node is JsonValue value && value.GetValueKind() == JsonValueKind.False
                ? null
                : $"The schema at '{location}' accepts any value, which strict mode cannot express.";
        }

        if (schema.Count == 0 || (schema.Count == 1 && schema.ContainsKey("description")))
        {
            return $"The schema at '{location}' accepts any value, which strict mode cannot express.";
        }

        var notes = new List<string>();
        foreach (var (keyword, value) in schema.ToList())
        {
            if (Incompatible.Contains(keyword))
            {
                return $"The schema at '{location}' uses '{keyword}', which strict mode does not support.";
            }

            if (Dropped.Contains(keyword))
            {
                schema.Remove(keyword);
            }
            else if (MovedToDescription.Contains(keyword) && !(keyword == "format" && value is JsonValue f && SupportedFormats.Contains(f.ToString())))
            {
                schema.Remove(keyword);
                if (keyword != "default" || value is not null)
                {
                    notes.Add(Describe(keyword, value));
                }
            }
        }

        if (notes.Count > 0)
        {
            string existing = schema["description"]?.GetValue<string>() is { Length: > 0 } d ? d.TrimEnd('.') + ". " : string.Empty;
            schema["description"] = existing + string.Join(" ", notes);
        }

        bool isObject = schema["properties"] is JsonObject || TypeIncludes(schema, "object");
        if (isObject)
        {
            if (schema["additionalProperties"] is { } additional && !(additional is JsonValue v && v.GetValueKind() == JsonValueKind.False))
            {
                return $"The schema at '{location}' is an open object (a dictionary or extra members), which strict mode cannot express.";
            }

            var properties = schema["properties"] as JsonObject ?? [];
            var required = new HashSet<string>(
                (schema["required"] as JsonArray ?? []).Select(n => n!.GetValue<string>()), StringComparer.Ordinal);
            foreach (var (name, propertySchema) in properties.ToList())
            {
                string? problem = Transform(propertySchema, location + "/properties/" + JsonSchemaCompiler.EscapePointer(name));
                if (problem is not null)
                {
                    return problem;
                }

                if (!required.Contains(name))
                {
                    properties[name] = MakeNullable(propertySchema!);
                }
            }

            if (schema["properties"] is null)
            {
                schema["properties"] = properties;
            }

            schema["required"] = new JsonArray(properties.Select(p => (JsonNode)JsonValue.Create(p.Key)).ToArray());
            schema["additionalProperties"] = false;
        }

        if (schema["items"] is { } items)
        {
            if (items is JsonArray)
            {
                return $"The schema at '{location}' uses tuple 'items', which strict mode does not support.";
            }

            string? problem = Transform(items, location + "/items");
            if (problem is not null)
            {
                return problem;
            }
        }

        if (schema["anyOf"] is JsonArray anyOf)
        {
            for (int i = 0; i < anyOf.Count; i++)
            {
                string? problem = Transform(anyOf[i], location + "/anyOf/" + i.ToString(CultureInfo.InvariantCulture));
                if (problem is not null)
                {
                    return problem;
                }
            }
        }

        foreach (string defsKeyword in (ReadOnlySpan<string>)["$defs", "definitions"])
        {
            if (schema[defsKeyword] is JsonObject defs)
            {
                foreach (var (name, definition) in defs.ToList())
                {
                    string? problem = Transform(definition, location + "/" + defsKeyword + "/" + JsonSchemaCompiler.EscapePointer(name));
                    if (problem is not null)
                    {
                        return problem;
                    }
                }
            }
        }

        return null;
    }

    private static JsonNode MakeNullable(JsonNode propertySchema)
    {
        if (propertySchema is not JsonObject schema)
        {
            return propertySchema;
        }

        switch (schema["type"])
        {
            case JsonValue single when single.GetValueKind() == JsonValueKind.String:
                string type = single.GetValue<string>();
                if (type != "null")
                {
                    schema["type"] = new JsonArray(type, "null");
                }

                AddNullToEnum(schema);
                return schema;
            case JsonArray types:
                if (!types.Any(t => t?.GetValue<string>() == "null"))
                {
                    types.Add((JsonNode)"null"); // the JsonNode overload: Add<T> is not trim-safe
                }

                AddNullToEnum(schema);
                return schema;
            default:
                // The schema still sits under "properties": detach it before it moves under anyOf, since a JsonNode
                // has one parent ({"$ref": "#"} from a self-referencing class lands here).
                var parent = (JsonObject)schema.Parent!;
                string name = schema.GetPropertyName();
                parent[name] = null;
                return new JsonObject { ["anyOf"] = new JsonArray(schema, new JsonObject { ["type"] = "null" }) };
        }
    }

    private static void AddNullToEnum(JsonObject schema)
    {
        if (schema["enum"] is JsonArray values && !values.Any(v => v is null))
        {
            values.Add(null);
        }
    }

    private static bool TypeIncludes(JsonObject schema, string type) => schema["type"] switch
    {
        JsonValue single => single.GetValueKind() == JsonValueKind.String && single.GetValue<string>() == type,
        JsonArray types => types.Any(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == type),
        _ => false,
    };

    private static string Describe(string keyword, JsonNode? value) => keyword switch
    {
        "minLength" => $"At least {value} characters.",
        "maxLength" => $"At most {value} characters.",
        "uniqueItems" => "Items must be unique.",
        "minProperties" => $"At least {value} properties.",
        "maxProperties" => $"At most {value} properties.",
        "default" => $"Default: {value?.ToJsonString() ?? "null"}.",
        "format" => $"Format: {value}.",
        _ => $"{keyword}: {value?.ToJsonString()}.",
    };

    private static void RewriteRefs(JsonNode? node, string prefix)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (name == "$ref" && child is JsonValue reference && reference.GetValueKind() == JsonValueKind.String)
                    {
                        string text = reference.GetValue<string>();
                        if (text == "#")
                        {
                            obj[name] = prefix;
                        }
                        else if (text.StartsWith("#/", StringComparison.Ordinal) && !text.StartsWith("#/$defs/", StringComparison.Ordinal))
                        {
                            obj[name] = prefix + text[1..];
                        }
                    }
                    else if (name is not "enum" and not "const" and not "default" and not "examples")
                    {
                        RewriteRefs(child, prefix);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    RewriteRefs(item, prefix);
                }

                break;
        }
    }
}
