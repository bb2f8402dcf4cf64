using System.Text;
using System.Text.Json;

namespace LlmKit.Tokens;

/// <summary>
/// Renders tool definitions the way OpenAI's models see them before tokenization: a TypeScript-like
/// <c>namespace functions { … }</c> block (as reverse-engineered by the community and confirmed by usage numbers).
/// </summary>
internal static class ToolDefinitionRenderer
{
    public static string Render(IEnumerable<(string Name, string? Description, JsonElement Schema)> tools)
    {
        var sb = new StringBuilder("namespace functions {\n\n");
        foreach (var (name, description, schema) in tools)
        {
            if (!string.IsNullOrEmpty(description))
            {
                sb.Append("// ").Append(description).Append('\n');
            }

            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties) &&
                properties.ValueKind == JsonValueKind.Object && properties.EnumerateObject().Any())
            {
                sb.Append("type ").Append(name).Append(" = (_: {\n");
                AppendProperties(sb, schema, properties, indent: "");
                sb.Append("}) => any;\n\n");
            }
            else
            {
                sb.Append("type ").Append(name).Append(" = () => any;\n\n");
            }
        }

        sb.Append("} // namespace functions");
        return sb.ToString();
    }

    private static void AppendProperties(StringBuilder sb, JsonElement schema, JsonElement properties, string indent)
    {
        var required = schema.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(e => e.GetString()).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (var property in properties.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("description", out var d) &&
                d.ValueKind == JsonValueKind.String)
            {
                sb.Append(indent).Append("// ").Append(d.GetString()).Append('\n');
            }

            sb.Append(indent).Append(property.Name).Append(required.Contains(property.Name) ? ": " : "?: ");
            sb.Append(TypeOf(property.Value, indent)).Append(",\n");
        }
    }

    private static string TypeOf(JsonElement schema, string indent)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return "any";
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            return string.Join(" | ", values.EnumerateArray().Select(v => v.GetRawText()));
        }

        string type = schema.TryGetProperty("type", out var t)
            ? t.ValueKind == JsonValueKind.String ? t.GetString() ?? "any"
              : t.ValueKind == JsonValueKind.Array ? string.Join(" | ", t.EnumerateArray().Select(x => x.GetString()))
              : "any"
            : "any";
        switch (type)
        {
            case "integer":
                return "number";
            case "array":
                return schema.TryGetProperty("items", out var items) ? TypeOf(items, indent) + "[]" : "any[]";
            case "object":
                if (schema.TryGetProperty("properties", out var nested) && nested.ValueKind == JsonValueKind.Object)
                {
                    var sb = new StringBuilder("{\n");
                    AppendProperties(sb, schema, nested, indent + "  ");
                    return sb.Append(indent).Append('}').ToString();
                }

                return "object";
            default:
                return type;
        }
    }
}
