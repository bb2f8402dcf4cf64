using System.Text;
using System.Text.RegularExpressions;

namespace LlmKit.Docs.Tests;

/// <summary>A <c>#region name</c> … <c>#endregion</c> in docs/snippets, dedented.</summary>
internal sealed record SnippetRegion(string Name, string File, int Line, string Code);

/// <summary>A <c>&lt;!-- snippet: name --&gt;</c> marker and the fenced block that follows it in a markdown file.</summary>
internal sealed record SnippetBlock(string Name, string File, int MarkerLine, int FenceStart, int FenceEnd, string Code);

internal static partial class SnippetSource
{
    [GeneratedRegex(@"^\s*#region\s+(?<name>[a-z0-9][a-z0-9-]*)\s*$")]
    private static partial Regex RegionStart();

    [GeneratedRegex(@"^\s*#endregion\b")]
    private static partial Regex RegionEnd();

    [GeneratedRegex(@"^<!--\s*snippet:\s*(?<name>[^\s]+)\s*-->\s*$")]
    private static partial Regex Marker();

    public static IReadOnlyDictionary<string, SnippetRegion> Regions()
    {
        var regions = new Dictionary<string, SnippetRegion>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(DocsPaths.Snippets, "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var start = RegionStart().Match(lines[i]);
                if (!start.Success)
                {
                    continue;
                }

                string name = start.Groups["name"].Value;
                int end = i + 1;
                while (end < lines.Length && !RegionEnd().IsMatch(lines[end]))
                {
                    if (RegionStart().IsMatch(lines[end]))
                    {
                        throw new InvalidOperationException($"{DocsPaths.Relative(file)}:{end + 1}: region '{name}' contains another region; snippets do not nest.");
                    }

                    end++;
                }

                if (end == lines.Length)
                {
                    throw new InvalidOperationException($"{DocsPaths.Relative(file)}:{i + 1}: region '{name}' has no #endregion.");
                }

                // What the reader sees: the using lines the region needs (so a copied snippet compiles), then the code.
                var usings = end > i + 1 ? SnippetUsings.For(file, i + 2, end) : [];
                string code = Dedent(lines[(i + 1)..end]);
                if (usings.Count > 0)
                {
                    code = string.Join('\n', usings.Select(u => $"using {u};")) + "\n\n" + code;
                }

                if (!regions.TryAdd(name, new SnippetRegion(name, DocsPaths.Relative(file), i + 1, code)))
                {
                    throw new InvalidOperationException($"{DocsPaths.Relative(file)}:{i + 1}: region '{name}' is defined twice (also in {regions[name].File}:{regions[name].Line}).");
                }

                i = end;
            }
        }

        return regions;
    }

    public static IReadOnlyList<SnippetBlock> Blocks(string markdownFile)
    {
        var blocks = new List<SnippetBlock>();
        string[] lines = File.ReadAllLines(markdownFile);
        for (int i = 0; i < lines.Length; i++)
        {
            var marker = Marker().Match(lines[i]);
            if (!marker.Success)
            {
                continue;
            }

            string name = marker.Groups["name"].Value;
            int fence = i + 1;
            if (fence >= lines.Length || lines[fence].TrimEnd() != "```csharp")
            {
                blocks.Add(new SnippetBlock(name, DocsPaths.Relative(markdownFile), i + 1, -1, -1, ""));
                continue;
            }

            int close = fence + 1;
            while (close < lines.Length && lines[close].TrimEnd() != "```")
            {
                close++;
            }

            blocks.Add(new SnippetBlock(name, DocsPaths.Relative(markdownFile), i + 1, fence, close,
                string.Join('\n', lines[(fence + 1)..Math.Min(close, lines.Length)])));
            i = close;
        }

        return blocks;
    }

    /// <summary>Replaces every marked block of <paramref name="markdownFile"/> with its region; returns whether the file changed.</summary>
    public static bool Rewrite(string markdownFile, IReadOnlyDictionary<string, SnippetRegion> regions)
    {
        string original = File.ReadAllText(markdownFile);
        string newline = original.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = original.Split(newline).ToList();
        foreach (var block in Blocks(markdownFile).Where(b => regions.ContainsKey(b.Name)).OrderByDescending(b => b.MarkerLine))
        {
            var code = regions[block.Name].Code.Split('\n');
            if (block.FenceStart < 0)
            {
                lines.InsertRange(block.MarkerLine, ["```csharp", .. code, "```"]);
            }
            else
            {
                lines.RemoveRange(block.FenceStart + 1, block.FenceEnd - block.FenceStart - 1);
                lines.InsertRange(block.FenceStart + 1, code);
            }
        }

        string updated = string.Join(newline, lines);
        if (updated == original)
        {
            return false;
        }

        File.WriteAllText(markdownFile, updated, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return true;
    }

    /// <summary>Removes the indentation common to every non-blank line, and trailing white space.</summary>
    public static string Dedent(IReadOnlyList<string> lines)
    {
        int indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select(l => l.Trim().Length == 0 ? "" : l[indent..].TrimEnd()));
    }
}
