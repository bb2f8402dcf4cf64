using LlmKit.Tests.Shared;
using System.Text.RegularExpressions;

namespace LlmKit.Packages.Tests;

/// <summary>
/// The package graph of src/ as the project files declare it: no cycles, a core that needs none of the optional
/// capabilities, and docs/packages.md in step with it.
/// </summary>
public sealed partial class PackageGraphTests
{
    private static readonly IReadOnlyDictionary<string, PackageNode> Graph = PackageGraph.Load();

    [Fact]
    public void No_package_depends_on_itself_through_others()
    {
        var cyclic = Graph.Keys.Where(p => PackageGraph.Closure(Graph, p).Contains(p)).ToList();

        Assert.Empty(cyclic);
        Assert.All(Graph.Values.SelectMany(p => p.LlmKitDependencies), d => Assert.True(Graph.ContainsKey(d), $"{d} is referenced but not a package under src/"));
    }

    [Fact]
    public void The_core_needs_no_other_LlmKit_package_nor_Polly_nor_the_token_data()
    {
        var core = Graph["LlmKit.Core"];

        Assert.Empty(core.LlmKitDependencies);
        Assert.DoesNotContain("Polly.Core", core.ThirdPartyDependencies);
        Assert.DoesNotContain("System.Threading.RateLimiting", core.ThirdPartyDependencies);
    }

    [Theory]
    [InlineData("LlmKit.StructuredOutput", new[] { "LlmKit.Core" })]
    [InlineData("LlmKit.Tools", new[] { "LlmKit.Core", "LlmKit.StructuredOutput" })]
    [InlineData("LlmKit.Providers.OpenAI", new[] { "LlmKit.Core" })]
    [InlineData("LlmKit.Providers.Anthropic", new[] { "LlmKit.Core" })]
    [InlineData("LlmKit.Testing", new[] { "LlmKit.Core" })]
    [InlineData("LlmKit.Redis", new[] { "LlmKit.Core" })]
    [InlineData("LlmKit.Guardrails", new[] { "LlmKit.Core", "LlmKit.StructuredOutput", "LlmKit.Tools" })]
    [InlineData("LlmKit.PostgreSql", new[] { "LlmKit.Core", "LlmKit.StructuredOutput", "LlmKit.Tools" })]
    public void Each_package_brings_exactly_the_capabilities_it_uses(string package, string[] expected)
    {
        var needs = PackageGraph.Closure(Graph, package);

        Assert.Equal(expected.Order(StringComparer.Ordinal), needs.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("LlmKit.StructuredOutput")]
    [InlineData("LlmKit.Tools")]
    [InlineData("LlmKit.Providers.OpenAI")]
    [InlineData("LlmKit.Providers.Anthropic")]
    [InlineData("LlmKit.Guardrails")]
    [InlineData("LlmKit.PostgreSql")]
    [InlineData("LlmKit.Redis")]
    public void Structured_output_and_tool_apps_take_neither_the_tokenizer_nor_resilience(string package)
    {
        var needs = PackageGraph.Closure(Graph, package);

        Assert.DoesNotContain("LlmKit.Tokens", needs);
        Assert.DoesNotContain("LlmKit.Tokens.Data", needs);
        Assert.DoesNotContain("LlmKit.Resilience", needs);
    }

    [Fact]
    public void The_core_holds_neither_structured_output_nor_the_tool_loop()
    {
        string core = Path.Combine(PackageGraph.SourceFolder, "LlmKit.Core");

        Assert.False(Directory.Exists(Path.Combine(core, "StructuredOutput")));
        Assert.DoesNotContain(Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories),
            f => Path.GetFileName(f) is "JsonSchemaValidator.cs" or "TypeSchema.cs" or "ToolLoopChatClient.cs");
        // The [LlmTool] generator ships in the package whose types its code calls.
        Assert.DoesNotContain("LlmKit.Generators", File.ReadAllText(Path.Combine(core, "LlmKit.Core.csproj")), StringComparison.Ordinal);
        Assert.Contains("analyzers/dotnet/cs", File.ReadAllText(Path.Combine(PackageGraph.SourceFolder, "LlmKit.Tools", "LlmKit.Tools.csproj")), StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_tokenizer_brings_the_rank_data_and_only_resilience_brings_Polly()
    {
        Assert.Equal(["LlmKit.Tokens"], Graph.Values.Where(p => p.LlmKitDependencies.Contains("LlmKit.Tokens.Data")).Select(p => p.Name));
        Assert.Equal(["LlmKit.Resilience"], Graph.Values.Where(p => p.ThirdPartyDependencies.Contains("Polly.Core")).Select(p => p.Name));
    }

    [Fact]
    public void Docs_packages_md_lists_every_package_with_the_dependencies_its_project_declares()
    {
        string docs = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docs", "packages.md"));
        var documented = new SortedDictionary<string, (string LlmKit, string ThirdParty)>(StringComparer.Ordinal);
        foreach (Match row in TableRow().Matches(docs))
        {
            documented[row.Groups["name"].Value] = (Normalize(row.Groups["llmkit"].Value), Normalize(row.Groups["third"].Value));
        }

        var declared = Graph.Values.ToDictionary(
            p => p.Name,
            p => (Normalize(string.Join(", ", p.LlmKitDependencies)), Normalize(string.Join(", ", p.ThirdPartyDependencies))));

        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), documented.Keys);
        Assert.All(declared, d => Assert.Equal((d.Key, d.Value), (d.Key, documented[d.Key])));
    }

    [Fact]
    public void Every_sample_README_names_the_LlmKit_packages_its_project_references()
    {
        foreach (string sample in Directory.EnumerateDirectories(Path.Combine(TestData.RepositoryRoot, "samples")))
        {
            string? project = Directory.EnumerateFiles(sample, "*.csproj").SingleOrDefault();
            if (project is null)
            {
                continue;
            }

            var referenced = System.Xml.Linq.XDocument.Load(project).Descendants("PackageReference")
                .Select(r => (string)r.Attribute("Include")!).Where(n => n.StartsWith("LlmKit.", StringComparison.Ordinal));
            string readme = File.ReadAllText(Path.Combine(sample, "README.md"));
            var named = SamplePackagesLine().Match(readme);

            Assert.True(named.Success, $"{Path.GetFileName(sample)}/README.md has no 'LlmKit packages:' line");
            Assert.Equal(Normalize(string.Join(", ", referenced)), Normalize(named.Groups["list"].Value.TrimEnd('.')));
        }
    }

    [GeneratedRegex(@"^LlmKit packages: (?<list>.+)$", RegexOptions.Multiline)]
    private static partial Regex SamplePackagesLine();

    /// <summary>A row of the graph table: <c>| `LlmKit.X` | `LlmKit.Core` | `Npgsql`, … |</c> (— for none).</summary>
    [GeneratedRegex(@"^\| `(?<name>LlmKit[\w.]*)` \| (?<llmkit>[^|]*) \| (?<third>[^|]*) \|\s*$", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    private static string Normalize(string list) =>
        string.Join(", ", list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.Trim('`'))
            .Where(s => s is not ("—" or ""))
            .Order(StringComparer.Ordinal));
}
