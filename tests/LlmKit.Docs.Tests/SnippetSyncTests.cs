using System.Text;

namespace LlmKit.Docs.Tests;

/// <summary>
/// Every <c>&lt;!-- snippet: name --&gt;</c> block in the docs is a copy of a compiled, tested region in docs/snippets.
/// Run with <c>LLMKIT_UPDATE_SNIPPETS=1</c> to rewrite the blocks from the regions.
/// </summary>
public sealed class SnippetSyncTests
{
    private const string Hint =
        "Edit the region in docs/snippets (it is the source of truth), then refresh the markdown with " +
        "`LLMKIT_UPDATE_SNIPPETS=1 dotnet test tests/LlmKit.Docs.Tests` and review the diff.";

    private static bool Updating => Environment.GetEnvironmentVariable("LLMKIT_UPDATE_SNIPPETS") == "1";

    [Fact]
    public void Every_marked_block_names_a_region_that_exists()
    {
        var regions = SnippetSource.Regions();
        var missing = DocsPaths.MarkdownFiles().SelectMany(SnippetSource.Blocks)
            .Where(b => !regions.ContainsKey(b.Name))
            .Select(b => $"{b.File}:{b.MarkerLine}: snippet '{b.Name}' has no #region {b.Name} in docs/snippets.")
            .ToList();

        Assert.True(missing.Count == 0, string.Join('\n', missing) + "\nKnown regions: " + string.Join(", ", regions.Keys.Order()));
    }

    [Fact]
    public void The_snippet_code_binds_so_the_using_lines_shown_with_each_snippet_are_complete()
    {
        // An unbound name would silently drop its namespace from the using lines the docs show.
        var errors = SnippetUsings.BindingErrors().Select(d => d.ToString()).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [Fact]
    public void Every_marker_is_followed_by_a_csharp_block()
    {
        var bad = DocsPaths.MarkdownFiles().SelectMany(SnippetSource.Blocks)
            .Where(b => b.FenceStart < 0)
            .Select(b => $"{b.File}:{b.MarkerLine}: the line after <!-- snippet: {b.Name} --> must open a ```csharp block.")
            .ToList();

        if (bad.Count > 0 && Updating)
        {
            Refresh();
            return;
        }

        Assert.True(bad.Count == 0, string.Join('\n', bad) + "\n" + Hint);
    }

    [Fact]
    public void Every_marked_block_equals_its_region()
    {
        if (Updating)
        {
            Refresh();
        }

        var regions = SnippetSource.Regions();
        var report = new StringBuilder();
        foreach (var block in DocsPaths.MarkdownFiles().SelectMany(SnippetSource.Blocks).Where(b => b.FenceStart >= 0))
        {
            if (regions.TryGetValue(block.Name, out var region) && region.Code != block.Code)
            {
                report.AppendLine($"{block.File}:{block.FenceStart + 2}: snippet '{block.Name}' differs from {region.File}:{region.Line}.");
                report.AppendLine(Diff(region.Code, block.Code));
            }
        }

        Assert.True(report.Length == 0, report + Hint);
    }

    [Fact]
    public void Every_region_is_shown_in_some_page()
    {
        var shown = DocsPaths.MarkdownFiles().SelectMany(SnippetSource.Blocks).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var orphans = SnippetSource.Regions().Values.Where(r => !shown.Contains(r.Name))
            .Select(r => $"{r.File}:{r.Line}: region '{r.Name}' is not shown in any page; add <!-- snippet: {r.Name} --> before a ```csharp block, or delete it.")
            .ToList();

        Assert.True(orphans.Count == 0, string.Join('\n', orphans));
    }

    private static void Refresh()
    {
        var regions = SnippetSource.Regions();
        foreach (string file in DocsPaths.MarkdownFiles())
        {
            SnippetSource.Rewrite(file, regions);
        }
    }

    /// <summary>A line diff small enough to read in a test log: '-' lines are the region (expected), '+' the markdown.</summary>
    private static string Diff(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        int[,] lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var sb = new StringBuilder();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (y == b.Length || (x < a.Length && lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                sb.AppendLine($"  - (region line {x + 1}) {a[x]}");
                x++;
            }
            else
            {
                sb.AppendLine($"  + (block line {y + 1}) {b[y]}");
                y++;
            }
        }

        return sb.ToString();
    }
}
