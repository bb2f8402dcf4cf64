using LlmKit.Tests.Shared;
using System.Xml.Linq;

namespace LlmKit.Packages.Tests;

/// <summary>One shipped package as its project file declares it.</summary>
/// <param name="Name">The package id (the project name).</param>
/// <param name="LlmKitDependencies">The LlmKit packages it references (analyzers shipped inside it excluded).</param>
/// <param name="ThirdPartyDependencies">The NuGet packages it references.</param>
internal sealed record PackageNode(string Name, IReadOnlySet<string> LlmKitDependencies, IReadOnlySet<string> ThirdPartyDependencies);

/// <summary>The dependency graph of the packages under src/, read from their project files.</summary>
internal static class PackageGraph
{
    public static string SourceFolder => Path.Combine(TestData.RepositoryRoot, "src");

    public static IReadOnlyDictionary<string, PackageNode> Load()
    {
        var nodes = new SortedDictionary<string, PackageNode>(StringComparer.Ordinal);
        foreach (string project in Directory.EnumerateFiles(SourceFolder, "*.csproj", SearchOption.AllDirectories))
        {
            var xml = XDocument.Load(project);
            if (xml.Descendants("IsPackable").Any(e => e.Value == "false"))
            {
                continue; // ships inside another package (the source generator)
            }

            var llmKit = xml.Descendants("ProjectReference")
                .Where(r => (string?)r.Attribute("ReferenceOutputAssembly") != "false")
                .Select(r => Path.GetFileNameWithoutExtension(((string)r.Attribute("Include")!).Replace('\\', '/')))
                .ToHashSet(StringComparer.Ordinal);
            var thirdParty = xml.Descendants("PackageReference")
                .Select(r => (string)r.Attribute("Include")!)
                .ToHashSet(StringComparer.Ordinal);
            string name = Path.GetFileNameWithoutExtension(project);
            nodes.Add(name, new PackageNode(name, llmKit, thirdParty));
        }

        return nodes;
    }

    /// <summary>Every package a package needs, directly or through others.</summary>
    public static IReadOnlySet<string> Closure(IReadOnlyDictionary<string, PackageNode> graph, string package)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(graph[package].LlmKitDependencies);
        while (pending.TryPop(out string? next))
        {
            if (seen.Add(next))
            {
                foreach (string dependency in graph[next].LlmKitDependencies)
                {
                    pending.Push(dependency);
                }
            }
        }

        return seen;
    }
}
