using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmKit.Generators;

/// <summary>The framework types the generator recognises, looked up once per method.</summary>
internal sealed class KnownTypes
{
    public KnownTypes(Compilation compilation)
    {
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        ServiceProvider = compilation.GetTypeByMetadataName("System.IServiceProvider");
        Arguments = compilation.GetTypeByMetadataName("Microsoft.Extensions.AI.AIFunctionArguments");
        Guid = compilation.GetTypeByMetadataName("System.Guid");
        DateTime = compilation.GetTypeByMetadataName("System.DateTime");
        DateTimeOffset = compilation.GetTypeByMetadataName("System.DateTimeOffset");
        JsonElement = compilation.GetTypeByMetadataName("System.Text.Json.JsonElement");
    }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol? ServiceProvider { get; }

    public INamedTypeSymbol? Arguments { get; }

    public INamedTypeSymbol? Guid { get; }

    public INamedTypeSymbol? DateTime { get; }

    public INamedTypeSymbol? DateTimeOffset { get; }

    public INamedTypeSymbol? JsonElement { get; }

    public ParameterSource SourceOf(IParameterSymbol parameter)
    {
        var type = parameter.Type;
        if (SymbolEqualityComparer.Default.Equals(type, CancellationToken))
        {
            return ParameterSource.CancellationToken;
        }

        if (SymbolEqualityComparer.Default.Equals(type, Arguments))
        {
            return ParameterSource.Arguments;
        }

        if (SymbolEqualityComparer.Default.Equals(type, ServiceProvider) ||
            parameter.GetAttributes().Any(a => a.AttributeClass?.Name is "FromServicesAttribute" or "FromKeyedServicesAttribute"))
        {
            return ParameterSource.Service;
        }

        string ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (ns == "Microsoft.Extensions.Logging" && type.Name is "ILogger" or "ILoggerFactory")
        {
            return ParameterSource.Service;
        }

        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.Name == "DbContext" && t.ContainingNamespace?.ToDisplayString() == "Microsoft.EntityFrameworkCore")
            {
                return ParameterSource.Service;
            }
        }

        return ParameterSource.Model;
    }
}

/// <summary>Picks the reflection-free binding helper for a parameter type, or null for the serializer path.</summary>
internal static class Converters
{
    public static string? For(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_String: return "ToStringValue";
            case SpecialType.System_Boolean: return "ToBoolean";
            case SpecialType.System_Int32: return "ToInt32";
            case SpecialType.System_Int64: return "ToInt64";
            case SpecialType.System_Double: return "ToDouble";
            case SpecialType.System_Single: return "ToSingle";
            case SpecialType.System_Decimal: return "ToDecimal";
            case SpecialType.System_DateTime: return "ToDateTime";
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            return "ToEnum<" + type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ">";
        }

        string full = type.ToDisplayString();
        return full switch
        {
            "System.Guid" => "ToGuid",
            "System.DateTimeOffset" => "ToDateTimeOffset",
            _ => null,
        };
    }
}

/// <summary>C# literals for parameter default values.</summary>
internal static class Literals
{
    public static string Default(IParameterSymbol parameter)
    {
        object? value = parameter.ExplicitDefaultValue;
        var type = parameter.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n ? n.TypeArguments[0] : parameter.Type;
        if (value is null)
        {
            return "default";
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            return "(" + type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ")(" + Convert.ToString(value, CultureInfo.InvariantCulture) + ")";
        }

        return value switch
        {
            string s => SymbolDisplay.FormatLiteral(s, quote: true),
            bool b => b ? "true" : "false",
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            long l => l.ToString(CultureInfo.InvariantCulture) + "L",
            float f => f.ToString("R", CultureInfo.InvariantCulture) + "F",
            double d => d.ToString("R", CultureInfo.InvariantCulture) + "D",
            decimal m => m.ToString(CultureInfo.InvariantCulture) + "M",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "default",
        };
    }
}

/// <summary>Reads [Description] attributes.</summary>
internal static class Attributes
{
    public static string? Description(ISymbol symbol) =>
        symbol.GetAttributes()
            .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "System.ComponentModel.DescriptionAttribute")?
            .ConstructorArguments.FirstOrDefault().Value as string;
}

/// <summary>Tool naming rules.</summary>
internal static class Naming
{
    public static string StripAsync(string name) =>
        name.Length > 5 && name.EndsWith("Async", StringComparison.Ordinal) ? name.Substring(0, name.Length - 5) : name;

    /// <summary>LookupOrder → lookup_order; GetHTTPStatus → get_http_status.</summary>
    public static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool previousLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool acronymEnd = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((previousLowerOrDigit || acronymEnd) && builder.Length > 0 && builder[builder.Length - 1] != '_')
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public static bool IsValidToolName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-');

    public static string ToCamelCase(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);
}

/// <summary>
/// Reads <c>///</c> comments from syntax rather than from <c>GetDocumentationCommentXml</c>, which is empty in projects
/// that do not generate a documentation file, the common case for app code.
/// </summary>
internal static class DocComments
{
    public sealed class Result
    {
        public string? Summary { get; set; }

        public Dictionary<string, string> Parameters { get; } = new(StringComparer.Ordinal);
    }

    public static Result Read(IMethodSymbol method, CancellationToken cancellationToken)
    {
        var result = new Result();
        var syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken);
        if (syntax is null)
        {
            return result;
        }

        var lines = new List<string>();
        foreach (var trivia in syntax.GetLeadingTrivia())
        {
            if (!trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia) && !trivia.IsKind(SyntaxKind.SingleLineCommentTrivia))
            {
                continue;
            }

            foreach (var raw in trivia.ToFullString().Split('\n'))
            {
                string line = raw.Trim();
                if (line.StartsWith("///", StringComparison.Ordinal))
                {
                    lines.Add(line.Substring(3));
                }
            }
        }

        if (lines.Count == 0)
        {
            return result;
        }

        try
        {
            var root = XElement.Parse("<doc>" + string.Join("\n", lines) + "</doc>", LoadOptions.None);
            if (root.Element("summary") is { } summary)
            {
                result.Summary = Text(summary);
            }

            foreach (var param in root.Elements("param"))
            {
                if (param.Attribute("name")?.Value is { } name)
                {
                    result.Parameters[name] = Text(param);
                }
            }
        }
        catch (System.Xml.XmlException)
        {
            // Malformed docs are the compiler's business to report; the tool just goes without a description.
        }

        return result;
    }

    private static string Text(XElement element)
    {
        var builder = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText text: builder.Append(text.Value); break;
                case XElement e when e.Name.LocalName is "see" or "seealso":
                    string? target = e.Attribute("langword")?.Value ?? e.Attribute("cref")?.Value;
                    if (e.Value.Length > 0)
                    {
                        builder.Append(e.Value);
                    }
                    else if (target is not null)
                    {
                        int dot = target.LastIndexOfAny(new[] { '.', ':' });
                        builder.Append(dot >= 0 ? target.Substring(dot + 1) : target);
                    }

                    break;
                case XElement e when e.Name.LocalName is "paramref" or "typeparamref":
                    builder.Append(e.Attribute("name")?.Value);
                    break;
                case XElement e:
                    builder.Append(Text(e));
                    break;
            }
        }

        return string.Join(" ", builder.ToString().Split(new[] { ' ', '\n', '\r', '\t' }, StringSplitOptions.RemoveEmptyEntries));
    }
}
