using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LlmKit.Docs.Tests;

/// <summary>
/// The <c>using</c> lines a snippet needs, found by binding the snippet code: the namespace of every type it names and
/// of every extension method it calls, less the SDK's implicit usings. A copied snippet then compiles as shown, and a
/// type that moves to another namespace changes the docs.
/// </summary>
internal static class SnippetUsings
{
    // The SDK's ImplicitUsings for Microsoft.NET.Sdk: a user's project has these already.
    private static readonly string[] Implicit =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly Lazy<CSharpCompilation> Compilation = new(Compile);
    private static readonly ConcurrentDictionary<string, SemanticModel> Models = new(StringComparer.Ordinal);

    /// <summary>The errors of binding the snippet code here (without the source generators the real build runs).</summary>
    public static IReadOnlyList<Diagnostic> BindingErrors() =>
        [.. Compilation.Value.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];

    /// <summary>The namespaces the code between two lines (1-based, inclusive) of a snippet file needs, sorted.</summary>
    public static IReadOnlyList<string> For(string file, int firstLine, int lastLine)
    {
        var compilation = Compilation.Value;
        var tree = compilation.SyntaxTrees.Single(t => string.Equals(t.FilePath, file, StringComparison.Ordinal));
        var model = Models.GetOrAdd(file, _ => compilation.GetSemanticModel(tree));
        var text = tree.GetText();
        var span = Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(text.Lines[firstLine - 1].Start, text.Lines[lastLine - 1].End);
        string? own = tree.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString();

        var needed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in tree.GetRoot().DescendantNodes(span).Where(n => span.Contains(n.Span)))
        {
            var symbol = node switch
            {
                SimpleNameSyntax name when !IsQualifiedPart(name, model) => model.GetSymbolInfo(name).Symbol switch
                {
                    INamedTypeSymbol type when type.ContainingType is null => type,
                    IMethodSymbol { ReducedFrom: not null } extension => extension.ContainingType,
                    _ => null,
                },
                _ => null,
            };

            if (symbol?.ContainingNamespace is { IsGlobalNamespace: false } ns)
            {
                needed.Add(ns.ToDisplayString());
            }
        }

        needed.ExceptWith(Implicit);
        if (own is not null)
        {
            needed.Remove(own);
        }

        return [.. needed];
    }

    // `A.B` where A is a namespace names B in full: it needs no using. Any other `x.M` may be an extension method,
    // which the caller recognises from its symbol.
    private static bool IsQualifiedPart(SimpleNameSyntax name, SemanticModel model) => name.Parent switch
    {
        QualifiedNameSyntax qualified => qualified.Right == name,
        AliasQualifiedNameSyntax alias => alias.Name == name,
        MemberAccessExpressionSyntax access when access.Name == name => model.GetSymbolInfo(access.Expression).Symbol is INamespaceSymbol,
        _ => false,
    };

    private static CSharpCompilation Compile()
    {
        var files = Directory.EnumerateFiles(DocsPaths.Snippets, "*.cs", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal);
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, path: f)).ToList();
        trees.Add(CSharpSyntaxTree.ParseText(string.Join('\n', Implicit.Select(n => $"global using {n};")), options, path: "ImplicitUsings.cs"));

        // The snippets' references are copied beside the test binaries (the test project references the snippets
        // project); the framework comes from the runtime's trusted platform assemblies.
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (string dll in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
        {
            paths.Add(dll);
        }

        foreach (string dll in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
        {
            paths.Add(dll);
        }

        var references = paths.Where(IsManagedAssembly).Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Snippets", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        // The snippets' tool sets are completed by the [LlmTool] generator, as in their real build.
        CSharpGeneratorDriver.Create(new LlmKit.Generators.LlmToolGenerator()).WithUpdatedParseOptions(options)
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out _);
        return (CSharpCompilation)generated;
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
