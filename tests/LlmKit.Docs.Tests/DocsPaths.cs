namespace LlmKit.Docs.Tests;

/// <summary>Where the documentation lives, found from the repository root above the test binaries.</summary>
internal static class DocsPaths
{
    public static string Root { get; } = FindRoot();

    public static string Docs => Path.Combine(Root, "docs");

    public static string Snippets => Path.Combine(Docs, "snippets");

    /// <summary>The markdown files the checks cover: docs/*.md and the repository README.</summary>
    public static IEnumerable<string> MarkdownFiles() =>
        Directory.EnumerateFiles(Docs, "*.md").Append(Path.Combine(Root, "README.md")).Order(StringComparer.Ordinal);

    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No LlmKit.sln above '{AppContext.BaseDirectory}'.");
    }
}
