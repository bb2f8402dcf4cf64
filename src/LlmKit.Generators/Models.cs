using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LlmKit.Generators;

/// <summary>How a parameter gets its value.</summary>
internal enum ParameterSource
{
    /// <summary>From the model's JSON arguments.</summary>
    Model,

    /// <summary>The invocation's cancellation token.</summary>
    CancellationToken,

    /// <summary>The invocation's <c>AIFunctionArguments</c>.</summary>
    Arguments,

    /// <summary>A required service.</summary>
    Service,

    /// <summary>An optional service (the parameter has a default).</summary>
    OptionalService,
}

/// <summary>How the invoker awaits and returns the method's result.</summary>
internal enum ReturnShape
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

internal sealed record ParameterModel(
    string Name,
    string TypeName,
    ParameterSource Source,
    string? Converter,
    bool IsNullableValue,
    bool IsOptional,
    string? DefaultLiteral);

internal sealed record ToolModel(
    string MethodName,
    string ToolName,
    string Description,
    bool IsStatic,
    bool IsAsync,
    ReturnShape Return,
    string? ResultTypeName,
    string SchemaJson,
    int SideEffect,
    double TimeoutSeconds,
    int MaxResultLength,
    EquatableArray<string> RunsAfter,
    EquatableArray<ParameterModel> Parameters);

internal sealed record ToolSetModel(
    string? Namespace,
    string TypeName,
    string FullTypeName,
    string TypeKeyword,
    string? JsonContextTypeName,
    EquatableArray<ToolModel> Tools);

/// <summary>A diagnostic held as plain data, so the generator's models stay comparable between runs.</summary>
internal sealed record DiagnosticInfo(string Id, string? FilePath, TextSpan Span, LinePositionSpan LineSpan, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor.Id, location?.SourceTree?.FilePath, location?.SourceSpan ?? default, location?.GetLineSpan().Span ?? default, new EquatableArray<string>(arguments));

    public Diagnostic ToDiagnostic()
    {
        var descriptor = Id switch
        {
            "LLMKIT001" => Diagnostics.NotPartial,
            "LLMKIT002" => Diagnostics.ByRefParameter,
            "LLMKIT003" => Diagnostics.Generic,
            "LLMKIT004" => Diagnostics.UnsupportedType,
            "LLMKIT005" => Diagnostics.DuplicateName,
            "LLMKIT006" => Diagnostics.InvalidName,
            _ => Diagnostics.UnsupportedContainer,
        };
        var location = FilePath is null ? Location.None : Location.Create(FilePath, Span, LineSpan);
        object[] args = new object[Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Arguments[i];
        }

        return Diagnostic.Create(descriptor, location, args);
    }
}

/// <summary>What the per-method transform found: a tool, or diagnostics, plus the class it belongs to.</summary>
internal sealed record MethodResult(
    string? Namespace,
    string TypeName,
    string FullTypeName,
    string TypeKeyword,
    string? JsonContextTypeName,
    bool ContainerValid,
    ToolModel? Tool,
    DiagnosticInfo? DuplicateName,
    EquatableArray<DiagnosticInfo> Diagnostics) : IComparable<MethodResult>
{
    public int CompareTo(MethodResult? other) => string.CompareOrdinal(FullTypeName, other?.FullTypeName);
}
