using Microsoft.CodeAnalysis;

namespace LlmKit.Generators;

/// <summary>The diagnostics the [LlmTool] generator reports. Each message says what to change.</summary>
internal static class Diagnostics
{
    private const string Category = "LlmKit.Tools";

    public static readonly DiagnosticDescriptor NotPartial = new(
        "LLMKIT001", "Tool class must be partial",
        "The class '{0}' declares [LlmTool] methods but is not partial; add the 'partial' modifier so LlmKit can generate its tools",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ByRefParameter = new(
        "LLMKIT002", "Tool parameter cannot be ref, out, in or params",
        "Parameter '{0}' of tool method '{1}' is passed by reference or as params; tool arguments come from JSON and must be ordinary value parameters",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Generic = new(
        "LLMKIT003", "Tool method cannot be generic",
        "Tool method '{0}' is generic or declared in a generic type; a tool needs one concrete JSON schema, so use concrete types",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedType = new(
        "LLMKIT004", "Tool parameter or return type is not supported",
        "The type '{0}' of {1} in tool method '{2}' cannot be described by a JSON schema; use JSON-friendly types (primitives, enums, records, arrays, dictionaries with string keys)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateName = new(
        "LLMKIT005", "Duplicate tool name",
        "The tool name '{0}' is used by more than one [LlmTool] method of '{1}'; set a distinct name with [LlmTool(\"name\")]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidName = new(
        "LLMKIT006", "Invalid tool name",
        "The tool name '{0}' is not valid; providers accept 1 to 64 letters, digits, '_' or '-'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedContainer = new(
        "LLMKIT007", "Tool class must be a top-level, non-static class",
        "The type '{0}' cannot hold [LlmTool] methods: tools must be declared in a top-level, non-static partial class (static methods are fine)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
