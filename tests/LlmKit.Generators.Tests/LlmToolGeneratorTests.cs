using System.Runtime.CompilerServices;
using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;

namespace LlmKit.Generators.Tests;

public sealed class LlmToolGeneratorTests
{
    [Theory]
    [InlineData("OrderTools")]
    [InlineData("MathTools")]
    public void The_generated_source_matches_its_golden_file(string sample)
    {
        var run = GeneratorHarness.Generate(File.ReadAllText(SamplePath(sample)));

        Assert.Empty(run.Errors);
        var (hintName, source) = Assert.Single(run.Generated);
        Assert.Equal($"LlmKit.Generators.Tests.Samples.{sample}.LlmTools.g.cs", hintName);
        GoldenFile.AssertMatches(source, $"Golden/{sample}.g.cs.txt");
    }

    [Fact]
    public async Task A_sample_compiled_with_the_generator_runs_and_its_tools_work()
    {
        var run = GeneratorHarness.Generate("""
            using LlmKit.Tools;
            namespace Shop;
            public partial class Greeter
            {
                /// <summary>Greets someone.</summary>
                /// <param name="name">Who to greet.</param>
                /// <param name="times">How often.</param>
                [LlmTool]
                public static async System.Threading.Tasks.Task<string> GreetPersonAsync(string name, int times = 1)
                {
                    await System.Threading.Tasks.Task.Yield();
                    return string.Join(" ", System.Linq.Enumerable.Repeat("Hello " + name + "!", times));
                }
            }
            """);
        Assert.Empty(run.Errors);

        var assembly = GeneratorHarness.Load(run);
        var type = assembly.GetType("Shop.Greeter")!;
        Assert.Contains(typeof(ILlmToolSet), type.GetInterfaces());
        var tools = (IReadOnlyList<LlmToolFunction>)type.GetMethod(nameof(ILlmToolSet.GetLlmTools))!.Invoke(null, null)!;

        var greet = Assert.Single(tools);
        Assert.Equal(("greet_person", "Greets someone."), (greet.Name, greet.Description));
        Assert.Equal("Hello Ada! Hello Ada!", await greet.InvokeAsync(new AIFunctionArguments { ["name"] = "Ada", ["times"] = 2 }));
        Assert.Equal("Hello Bo!", await greet.InvokeAsync(new AIFunctionArguments { ["name"] = "Bo" }));
    }

    [Theory]
    [InlineData("LLMKIT001", "public class T { [LlmTool] public static int F(int x) => x; }")]
    [InlineData("LLMKIT002", "public partial class T { [LlmTool] public static void F(ref int x) { } }")]
    [InlineData("LLMKIT002", "public partial class T { [LlmTool] public static void F(out int x) { x = 1; } }")]
    [InlineData("LLMKIT003", "public partial class T { [LlmTool] public static T0 F<T0>(T0 x) => x; }")]
    [InlineData("LLMKIT003", "public partial class T<TItem> { [LlmTool] public static int F(int x) => x; }")]
    [InlineData("LLMKIT004", "public partial class T { [LlmTool] public static void F(System.Action callback) { } }")]
    [InlineData("LLMKIT004", "public partial class T { [LlmTool] public static void F(System.IO.Stream data) { } }")]
    [InlineData("LLMKIT004", "public partial class T { [LlmTool] public static System.Action F(int x) => null!; }")]
    [InlineData("LLMKIT005", "public partial class T { [LlmTool(\"same\")] public static int F(int x) => x; [LlmTool(\"same\")] public static int G(int x) => x; }")]
    [InlineData("LLMKIT006", "public partial class T { [LlmTool(\"not a valid name!\")] public static int F(int x) => x; }")]
    [InlineData("LLMKIT007", "public partial class Outer { public partial class T { [LlmTool] public static int F(int x) => x; } }")]
    [InlineData("LLMKIT007", "public static partial class T { [LlmTool] public static int F(int x) => x; }")]
    public void Unsupported_declarations_get_a_diagnostic_that_says_what_to_change(string id, string declaration)
    {
        var run = GeneratorHarness.Generate("using LlmKit.Tools;\nnamespace N;\n" + declaration);

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Empty(run.Generated);
        Assert.NotEqual(Microsoft.CodeAnalysis.Location.None, diagnostic.Location);
    }

    [Theory]
    [InlineData("LookupOrderAsync", "lookup_order")]
    [InlineData("GetHTTPStatus", "get_http_status")]
    [InlineData("Refund2Orders", "refund2_orders")]
    [InlineData("Async", "async")]
    public void Tool_names_default_to_snake_case_without_the_Async_suffix(string method, string expected)
    {
        var run = GeneratorHarness.Generate($"using LlmKit.Tools;\nnamespace N;\npublic partial class T {{ [LlmTool] public static int {method}() => 1; }}");

        Assert.Empty(run.Errors);
        Assert.Contains($"base(\"{expected}\"", run.Generated.Single().Source);
    }

    private static string SamplePath(string sample, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "Samples", sample + ".cs");
}
