using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using LlmKit.Tools;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LlmKit.Generators.Tests;

/// <summary>Runs the generator on in-memory sources, the way the compiler runs it on a user's project.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    // What the SDK adds to every project with ImplicitUsings on, so samples compile here as they do in a project.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public sealed record Run(Compilation Output, ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<(string HintName, string Source)> Generated)
    {
        public IEnumerable<Diagnostic> Errors => Diagnostics.Concat(Output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error);
    }

    public static Run Generate(params string[] sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "Sample" + Guid.NewGuid().ToString("N"),
            sources.Append(ImplicitUsings).Select(s => CSharpSyntaxTree.ParseText(s, parse)),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new LlmToolGenerator().AsSourceGenerator()], parseOptions: parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var generated = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
        return new Run(output, diagnostics, generated);
    }

    /// <summary>Emits the compilation and loads it into a collectible context.</summary>
    public static Assembly Load(Run run)
    {
        using var stream = new MemoryStream();
        var emitted = run.Output.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        stream.Position = 0;
        return new AssemblyLoadContext("sample", isCollectible: true).LoadFromStream(stream);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToHashSet(StringComparer.Ordinal);
        paths.Add(typeof(LlmToolAttribute).Assembly.Location);
        paths.Add(typeof(Microsoft.Extensions.AI.AIFunction).Assembly.Location);
        paths.Add(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location);
        return [.. paths.Where(p => p.EndsWith(".dll", StringComparison.Ordinal) && File.Exists(p)).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }
}
