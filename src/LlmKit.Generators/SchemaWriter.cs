using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace LlmKit.Generators;

/// <summary>
/// Writes JSON schemas (draft 2020-12 subset that every provider accepts) for tool parameters at compile time.
/// Property names follow the web defaults the invoker deserializes with: camelCase unless [JsonPropertyName] says otherwise.
/// </summary>
internal static class SchemaWriter
{
    private const int MaxDepth = 8;

    public static string ForParameters(IReadOnlyList<(IParameterSymbol Parameter, string? Description, bool Required)> parameters, KnownTypes known)
    {
        var builder = new StringBuilder();
        builder.Append("{\"type\":\"object\",\"properties\":{");
        for (int i = 0; i < parameters.Count; i++)
        {
            var (p, description, _) = parameters[i];
            if (i > 0)
            {
                builder.Append(',');
            }

            AppendString(builder, p.Name);
            builder.Append(':');
            Write(builder, p.Type, description, known, new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default), 0,
                p.Type.IsReferenceType && p.NullableAnnotation == NullableAnnotation.Annotated);
        }

        builder.Append('}');
        var required = parameters.Where(p => p.Required).Select(p => p.Parameter.Name).ToList();
        if (required.Count > 0)
        {
            builder.Append(",\"required\":[");
            builder.Append(string.Join(",", required.Select(Quote)));
            builder.Append(']');
        }

        builder.Append(",\"additionalProperties\":false}");
        return builder.ToString();
    }

    public static bool IsSupported(ITypeSymbol type, KnownTypes known) => IsSupported(type, known, 0);

    private static bool IsSupported(ITypeSymbol type, KnownTypes known, int depth)
    {
        if (depth > MaxDepth)
        {
            return true;
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            return IsSupported(nullable.TypeArguments[0], known, depth);
        }

        switch (type.TypeKind)
        {
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
            case TypeKind.Delegate:
            case TypeKind.TypeParameter:
            case TypeKind.Dynamic:
            case TypeKind.Error:
                return false;
            case TypeKind.Enum:
                return true;
            case TypeKind.Array:
                return IsSupported(((IArrayTypeSymbol)type).ElementType, known, depth + 1);
        }

        if (type.IsRefLikeType || type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return false;
        }

        if (Primitive(type, known) is not null || type.SpecialType == SpecialType.System_Object || SymbolEqualityComparer.Default.Equals(type, known.JsonElement))
        {
            return true;
        }

        if (ElementOf(type) is { } element)
        {
            return IsSupported(element, known, depth + 1);
        }

        if (DictionaryValueOf(type) is { } value)
        {
            return IsSupported(value, known, depth + 1);
        }

        if (type.TypeKind == TypeKind.Interface || type.IsAbstract || type.SpecialType == SpecialType.System_Delegate)
        {
            return false;
        }

        string ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (ns.StartsWith("System.Threading", System.StringComparison.Ordinal) || ns == "System.Reflection" || ns == "System.IO")
        {
            return false;
        }

        return Properties(type).All(p => IsSupported(p.Type, known, depth + 1));
    }

    private static void Write(StringBuilder builder, ITypeSymbol type, string? description, KnownTypes known, HashSet<ITypeSymbol> visiting, int depth, bool nullable)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n)
        {
            type = n.TypeArguments[0];
            nullable = true;
        }

        builder.Append('{');
        if (description is { Length: > 0 })
        {
            builder.Append("\"description\":");
            AppendString(builder, description);
            builder.Append(',');
        }

        int before = builder.Length;
        WriteBody(builder, type, known, visiting, depth, nullable);
        if (builder.Length > before && builder[builder.Length - 1] == ',')
        {
            builder.Length--;
        }
        else if (builder.Length == before && description is { Length: > 0 })
        {
            builder.Length--; // the comma after the description
        }

        builder.Append('}');
    }

    private static void WriteBody(StringBuilder builder, ITypeSymbol type, KnownTypes known, HashSet<ITypeSymbol> visiting, int depth, bool nullable)
    {
        if (type.TypeKind == TypeKind.Enum)
        {
            var names = type.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => Quote(f.Name)).ToList();
            builder.Append("\"type\":").Append(nullable ? "[\"string\",\"null\"]" : "\"string\"");
            builder.Append(",\"enum\":[").Append(string.Join(",", names)).Append(nullable ? ",null]" : "]");
            return;
        }

        if (Primitive(type, known) is { } primitive)
        {
            builder.Append("\"type\":").Append(nullable ? "[\"" + primitive.Type + "\",\"null\"]" : "\"" + primitive.Type + "\"");
            if (primitive.Format is not null)
            {
                builder.Append(",\"format\":\"").Append(primitive.Format).Append('"');
            }

            return;
        }

        if (type.SpecialType == SpecialType.System_Object || SymbolEqualityComparer.Default.Equals(type, known.JsonElement) || depth >= MaxDepth)
        {
            return; // {}: any JSON value
        }

        var element = type is IArrayTypeSymbol array ? array.ElementType : ElementOf(type);
        if (element is not null)
        {
            builder.Append("\"type\":").Append(nullable ? "[\"array\",\"null\"]" : "\"array\"").Append(",\"items\":");
            Write(builder, element, null, known, visiting, depth + 1, element.IsReferenceType && element.NullableAnnotation == NullableAnnotation.Annotated);
            return;
        }

        if (DictionaryValueOf(type) is { } value)
        {
            builder.Append("\"type\":").Append(nullable ? "[\"object\",\"null\"]" : "\"object\"").Append(",\"additionalProperties\":");
            Write(builder, value, null, known, visiting, depth + 1, value.IsReferenceType && value.NullableAnnotation == NullableAnnotation.Annotated);
            return;
        }

        if (!visiting.Add(type))
        {
            return; // a recursive type: {} at the point of recursion keeps the schema finite
        }

        builder.Append("\"type\":").Append(nullable ? "[\"object\",\"null\"]" : "\"object\"").Append(",\"properties\":{");
        var properties = Properties(type).ToList();
        var ctorParameters = new HashSet<string>(
            type.GetMembers(".ctor").OfType<IMethodSymbol>().Where(c => c.DeclaredAccessibility == Accessibility.Public)
                .OrderByDescending(c => c.Parameters.Length).FirstOrDefault()?.Parameters.Where(p => !p.HasExplicitDefaultValue).Select(p => p.Name.ToUpperInvariant())
            ?? Enumerable.Empty<string>());
        var required = new List<string>();
        for (int i = 0; i < properties.Count; i++)
        {
            var property = properties[i];
            string name = JsonName(property);
            if (i > 0)
            {
                builder.Append(',');
            }

            AppendString(builder, name);
            builder.Append(':');
            bool propertyNullable = property.Type.IsReferenceType && property.NullableAnnotation == NullableAnnotation.Annotated;
            Write(builder, property.Type, Attributes.Description(property), known, visiting, depth + 1, propertyNullable);
            if (property.IsRequired || ctorParameters.Contains(property.Name.ToUpperInvariant()))
            {
                required.Add(name);
            }
        }

        builder.Append('}');
        if (required.Count > 0)
        {
            builder.Append(",\"required\":[").Append(string.Join(",", required.Select(Quote))).Append(']');
        }

        visiting.Remove(type);
    }

    private static (string Type, string? Format)? Primitive(ITypeSymbol type, KnownTypes known)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_String:
            case SpecialType.System_Char:
                return ("string", null);
            case SpecialType.System_Boolean:
                return ("boolean", null);
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
                return ("integer", null);
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
                return ("number", null);
            case SpecialType.System_DateTime:
                return ("string", "date-time");
        }

        if (SymbolEqualityComparer.Default.Equals(type, known.DateTimeOffset))
        {
            return ("string", "date-time");
        }

        if (SymbolEqualityComparer.Default.Equals(type, known.Guid))
        {
            return ("string", "uuid");
        }

        string full = type.ToDisplayString();
        return full switch
        {
            "System.Uri" => ("string", "uri"),
            "System.TimeSpan" => ("string", null),
            "System.DateOnly" => ("string", "date"),
            "System.TimeOnly" => ("string", "time"),
            _ => null,
        };
    }

    private static ITypeSymbol? ElementOf(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol array)
        {
            return array.ElementType;
        }

        if (type is not INamedTypeSymbol { IsGenericType: true } named || type.SpecialType == SpecialType.System_String)
        {
            return null;
        }

        string definition = named.OriginalDefinition.ToDisplayString();
        return definition switch
        {
            "System.Collections.Generic.List<T>" or "System.Collections.Generic.IList<T>" or "System.Collections.Generic.ICollection<T>" or
            "System.Collections.Generic.IEnumerable<T>" or "System.Collections.Generic.IReadOnlyList<T>" or
            "System.Collections.Generic.IReadOnlyCollection<T>" or "System.Collections.Generic.HashSet<T>" or
            "System.Collections.Generic.ISet<T>" or "System.Collections.Generic.IReadOnlySet<T>" or
            "System.Collections.Immutable.ImmutableArray<T>" or "System.Collections.Immutable.ImmutableList<T>" => named.TypeArguments[0],
            _ => null,
        };
    }

    private static ITypeSymbol? DictionaryValueOf(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 2 } named || named.TypeArguments[0].SpecialType != SpecialType.System_String)
        {
            return null;
        }

        string definition = named.OriginalDefinition.ToDisplayString();
        return definition is "System.Collections.Generic.Dictionary<TKey, TValue>" or "System.Collections.Generic.IDictionary<TKey, TValue>" or
            "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>"
            ? named.TypeArguments[1]
            : null;
    }

    private static IEnumerable<IPropertySymbol> Properties(ITypeSymbol type)
    {
        var seen = new HashSet<string>();
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (var property in t.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.DeclaredAccessibility == Accessibility.Public && !property.IsStatic && !property.IsIndexer &&
                    property.GetMethod is not null && property.Name != "EqualityContract" &&
                    !property.GetAttributes().Any(a => a.AttributeClass?.Name == "JsonIgnoreAttribute") && seen.Add(property.Name))
                {
                    yield return property;
                }
            }
        }
    }

    private static string JsonName(IPropertySymbol property) =>
        property.GetAttributes().FirstOrDefault(a => a.AttributeClass?.Name == "JsonPropertyNameAttribute")?.ConstructorArguments.FirstOrDefault().Value as string
        ?? Naming.ToCamelCase(property.Name);

    private static string Quote(string value)
    {
        var builder = new StringBuilder();
        AppendString(builder, value);
        return builder.ToString();
    }

    private static void AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }
}
