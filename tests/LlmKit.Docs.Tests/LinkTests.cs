using System.Text;
using System.Text.RegularExpressions;

namespace LlmKit.Docs.Tests;

/// <summary>Every relative link in docs/*.md and README.md points at a file that exists, and at a heading that exists.</summary>
public sealed partial class LinkTests
{
    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^(?<hashes>#{1,6})\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    [Fact]
    public void Every_relative_link_points_to_an_existing_file_and_heading()
    {
        var broken = new List<string>();
        foreach (string file in DocsPaths.MarkdownFiles())
        {
            foreach (var (line, target) in Links(file))
            {
                if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal) ||
                    target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                string path = target;
                string? anchor = null;
                int hash = target.IndexOf('#', StringComparison.Ordinal);
                if (hash >= 0)
                {
                    path = target[..hash];
                    anchor = target[(hash + 1)..];
                }

                string resolved = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(path)));
                string where = $"{DocsPaths.Relative(file)}:{line}: ";
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    broken.Add($"{where}'{target}' points to {DocsPaths.Relative(resolved)}, which does not exist.");
                    continue;
                }

                if (anchor is { Length: > 0 } && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && !Anchors(resolved).Contains(anchor))
                {
                    broken.Add($"{where}'{target}': {DocsPaths.Relative(resolved)} has no heading with the anchor '#{anchor}'. " +
                               $"Anchors there: {string.Join(", ", Anchors(resolved).Order())}");
                }
            }
        }

        Assert.True(broken.Count == 0, string.Join('\n', broken));
    }

    [Fact]
    public void Every_page_in_docs_is_listed_in_the_index()
    {
        string index = File.ReadAllText(Path.Combine(DocsPaths.Docs, "README.md"));
        var unlisted = Directory.EnumerateFiles(DocsPaths.Docs, "*.md")
            .Select(Path.GetFileName)
            .Where(name => name != "README.md" && !index.Contains($"]({name})", StringComparison.Ordinal))
            .ToList();

        Assert.True(unlisted.Count == 0, "docs/README.md does not link to: " + string.Join(", ", unlisted));
    }

    private static IEnumerable<(int Line, string Target)> Links(string file)
    {
        bool inFence = false;
        int number = 0;
        foreach (string line in File.ReadLines(file))
        {
            number++;
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            if (inFence)
            {
                continue;
            }

            // Inline code is not a link: `a[0](b)` in a table must not be checked.
            string text = Regex.Replace(line, "`[^`]*`", "");
            foreach (Match m in Link().Matches(text))
            {
                yield return (number, m.Groups["target"].Value);
            }
        }
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, duplicates numbered.</summary>
    private static HashSet<string> Anchors(string file)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        bool inFence = false;
        foreach (string line in File.ReadLines(file))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }

            var m = Heading().Match(line);
            if (inFence || !m.Success)
            {
                continue;
            }

            var slug = new StringBuilder();
            foreach (char c in m.Groups["text"].Value.ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            string s = slug.ToString();
            int n = counts.GetValueOrDefault(s);
            counts[s] = n + 1;
            anchors.Add(n == 0 ? s : $"{s}-{n}");
        }

        return anchors;
    }
}
