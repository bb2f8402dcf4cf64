using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmKit.Generators;

/// <summary>
/// Turns every <c>[LlmTool]</c> method of a partial class into a typed <c>LlmToolFunction</c>: name, description and
/// JSON schema computed here, at compile time, and an invoker that binds the model's arguments without reflection.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class LlmToolGenerator : IIncrementalGenerator
{
    internal const string AttributeName = "LlmKit.Tools.LlmToolAttribute";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var methods = context.SyntaxProvider.ForAttributeWithMetadataName(
            AttributeName,
            static (node, _) => node is MethodDeclarationSyntax,
            static (ctx, ct) => ToolParser.Parse(ctx, ct));

        context.RegisterSourceOutput(methods.Collect(), static (spc, results) => Execute(spc, results));
    }

    private static void Execute(SourceProductionContext context, ImmutableArray<MethodResult> results)
    {
        foreach (var group in results.GroupBy(r => r.FullTypeName))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var items = group.ToList();
            foreach (var diagnostic in items.SelectMany(r => r.Diagnostics))
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            var first = items[0];
            if (!first.ContainerValid || items.Any(r => r.Diagnostics.Count > 0))
            {
                continue;
            }

            var tools = items.Select(r => r.Tool!).ToList();
            bool duplicate = false;
            foreach (var clash in items.GroupBy(r => r.Tool!.ToolName).Where(g => g.Count() > 1))
            {
                foreach (var later in clash.Skip(1))
                {
                    context.ReportDiagnostic(later.DuplicateName!.ToDiagnostic());
                }

                duplicate = true;
            }

            if (duplicate)
            {
                continue;
            }

            var model = new ToolSetModel(first.Namespace, first.TypeName, first.FullTypeName, first.TypeKeyword, first.JsonContextTypeName, new EquatableArray<ToolModel>(tools));
            context.AddSource(HintName(first.FullTypeName), ToolEmitter.Emit(model));
        }
    }

    private static string HintName(string fullTypeName) =>
        fullTypeName.Replace("global::", string.Empty).Replace('<', '_').Replace('>', '_') + ".LlmTools.g.cs";
}

/// <summary>Reads one [LlmTool] method into a <see cref="MethodResult"/>.</summary>
internal static class ToolParser
{
    private const string JsonContextAttributeName = "LlmKit.Tools.LlmToolJsonContextAttribute";

    public static MethodResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var method = (IMethodSymbol)context.TargetSymbol;
        var type = method.ContainingType;
        var diagnostics = new List<DiagnosticInfo>();
        var typeLocation = type.Locations.FirstOrDefault();
        string fullTypeName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        string? ns = type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString();

        bool containerValid = true;
        if (type.ContainingType is not null || type.IsStatic || type.TypeKind != TypeKind.Class)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedContainer, typeLocation, type.Name));
            containerValid = false;
        }
        else if (!type.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t && t.Modifiers.Any(m => m.Text == "partial")))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NotPartial, typeLocation, type.Name));
            containerValid = false;
        }

        if (method.IsGenericMethod || type.IsGenericType)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.Generic, method.Locations.FirstOrDefault(), method.Name));
        }

        string? jsonContext = type.GetAttributes()
            .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == JsonContextAttributeName)?
            .ConstructorArguments.FirstOrDefault().Value is ITypeSymbol ctxType
            ? ctxType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)
            : null;

        string keyword = type.IsRecord ? "record" : "class";
        var tool = diagnostics.Count == 0 ? ParseTool(context, method, diagnostics, cancellationToken) : null;
        var duplicateName = tool is null ? null : DiagnosticInfo.Create(Diagnostics.DuplicateName, method.Locations.FirstOrDefault(), tool.ToolName, type.Name);
        return new MethodResult(ns, type.Name, fullTypeName, keyword, jsonContext, containerValid,
            diagnostics.Count == 0 ? tool : null, duplicateName, new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    private static ToolModel? ParseTool(GeneratorAttributeSyntaxContext context, IMethodSymbol method, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        var attribute = context.Attributes[0];
        string? explicitName = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        string? description = null;
        int sideEffect = 1;
        double timeout = 0;
        int maxResult = 0;
        var runsAfter = new List<string>();
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Description": description = named.Value.Value as string; break;
                case "SideEffect": sideEffect = named.Value.Value is int i ? i : 1; break;
                case "TimeoutSeconds": timeout = named.Value.Value is double d ? d : 0; break;
                case "MaxResultLength": maxResult = named.Value.Value is int m ? m : 0; break;
                case "RunsAfter":
                    if (!named.Value.IsNull)
                    {
                        runsAfter.AddRange(named.Value.Values.Select(v => v.Value as string).Where(v => !string.IsNullOrEmpty(v))!);
                    }

                    break;
            }
        }

        string toolName = explicitName ?? Naming.ToSnakeCase(Naming.StripAsync(method.Name));
        if (!Naming.IsValidToolName(toolName))
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.InvalidName, method.Locations.FirstOrDefault(), toolName));
        }

        var docs = DocComments.Read(method, cancellationToken);
        description ??= Attributes.Description(method) ?? docs.Summary ?? string.Empty;

        var compilation = context.SemanticModel.Compilation;
        var known = new KnownTypes(compilation);
        var parameters = new List<ParameterModel>();
        var schemaParameters = new List<(IParameterSymbol Parameter, string? Description, bool Required)>();
        foreach (var p in method.Parameters)
        {
            if (p.RefKind != RefKind.None || p.IsParams)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.ByRefParameter, p.Locations.FirstOrDefault() ?? method.Locations.FirstOrDefault(), p.Name, method.Name));
                continue;
            }

            string typeName = p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
                SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
            var source = known.SourceOf(p);
            if (source != ParameterSource.Model)
            {
                if (source == ParameterSource.Service && p.HasExplicitDefaultValue)
                {
                    source = ParameterSource.OptionalService;
                }

                parameters.Add(new ParameterModel(p.Name, StripNullable(typeName, p.Type), source, null, false, p.HasExplicitDefaultValue, null));
                continue;
            }

            if (!SchemaWriter.IsSupported(p.Type, known))
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedType, p.Locations.FirstOrDefault() ?? method.Locations.FirstOrDefault(), p.Type.ToDisplayString(), "parameter '" + p.Name + "'", method.Name));
                continue;
            }

            bool nullableValue = p.Type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T };
            bool nullable = nullableValue || (p.Type.IsReferenceType && p.NullableAnnotation == NullableAnnotation.Annotated);
            bool optional = p.HasExplicitDefaultValue || nullable;
            var underlying = nullableValue ? ((INamedTypeSymbol)p.Type).TypeArguments[0] : p.Type;
            string? converter = Converters.For(underlying);
            parameters.Add(new ParameterModel(p.Name, typeName, ParameterSource.Model, converter, nullableValue, optional,
                p.HasExplicitDefaultValue ? Literals.Default(p) : null));
            string? paramDescription = Attributes.Description(p) ?? (docs.Parameters.TryGetValue(p.Name, out var d) ? d : null);
            schemaParameters.Add((p, paramDescription, !optional));
        }

        var (shape, resultType) = ReturnOf(method, known);
        if (resultType is not null && !SchemaWriter.IsSupported(resultType, known) && resultType.SpecialType != SpecialType.System_Object)
        {
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnsupportedType, method.Locations.FirstOrDefault(), resultType.ToDisplayString(), "the return value", method.Name));
        }

        if (diagnostics.Count > 0)
        {
            return null;
        }

        string schema = SchemaWriter.ForParameters(schemaParameters, known);
        string? resultTypeName = resultType?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
            SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
        bool isAsync = shape is ReturnShape.Task or ReturnShape.TaskOfT or ReturnShape.ValueTask or ReturnShape.ValueTaskOfT;
        return new ToolModel(method.Name, toolName, description, method.IsStatic, isAsync, shape, resultTypeName, schema,
            sideEffect, timeout, maxResult, new EquatableArray<string>(runsAfter), new EquatableArray<ParameterModel>(parameters));
    }

    private static string StripNullable(string typeName, ITypeSymbol type) =>
        type.IsReferenceType && typeName.EndsWith("?", System.StringComparison.Ordinal) ? typeName.Substring(0, typeName.Length - 1) : typeName;

    private static (ReturnShape Shape, ITypeSymbol? Result) ReturnOf(IMethodSymbol method, KnownTypes known)
    {
        var type = method.ReturnType;
        if (method.ReturnsVoid)
        {
            return (ReturnShape.Void, null);
        }

        if (type is INamedTypeSymbol named)
        {
            var definition = named.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(definition, known.Task))
            {
                return (ReturnShape.Task, null);
            }

            if (SymbolEqualityComparer.Default.Equals(definition, known.ValueTask))
            {
                return (ReturnShape.ValueTask, null);
            }

            if (SymbolEqualityComparer.Default.Equals(definition, known.TaskOfT))
            {
                return (ReturnShape.TaskOfT, named.TypeArguments[0]);
            }

            if (SymbolEqualityComparer.Default.Equals(definition, known.ValueTaskOfT))
            {
                return (ReturnShape.ValueTaskOfT, named.TypeArguments[0]);
            }
        }

        return (ReturnShape.Value, type);
    }
}
