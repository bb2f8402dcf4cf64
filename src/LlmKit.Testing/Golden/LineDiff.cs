using System.Text;

namespace LlmKit.Testing;

/// <summary>A small line diff (longest common subsequence) that prints only the changed lines with some context.</summary>
internal static class LineDiff
{
    private const int Context = 2;

    // Past this many line pairs the quadratic table gets large; golden files are small, so fall back to a plain
    // "first differing line" report instead of a full diff.
    private const long MaxCells = 4_000_000;

    public static string Format(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        if ((long)a.Length * b.Length > MaxCells)
        {
            return FirstDifference(a, b);
        }

        var ops = Diff(a, b);
        var changed = new bool[ops.Count];
        for (int i = 0; i < ops.Count; i++)
        {
            if (ops[i].Kind != ' ')
            {
                for (int j = Math.Max(0, i - Context); j <= Math.Min(ops.Count - 1, i + Context); j++)
                {
                    changed[j] = true;
                }
            }
        }

        var sb = new StringBuilder();
        bool skipped = false;
        for (int i = 0; i < ops.Count; i++)
        {
            if (!changed[i])
            {
                skipped = true;
                continue;
            }

            if (skipped)
            {
                sb.AppendLine("  ...");
                skipped = false;
            }

            sb.Append(ops[i].Kind).Append(' ').Append(ops[i].Line).AppendLine();
        }

        return sb.ToString();
    }

    private static List<(char Kind, string Line)> Diff(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var ops = new List<(char, string)>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y])
            {
                ops.Add((' ', a[x]));
                x++;
                y++;
            }
            else if (lcs[x + 1, y] >= lcs[x, y + 1])
            {
                ops.Add(('-', a[x++]));
            }
            else
            {
                ops.Add(('+', b[y++]));
            }
        }

        while (x < a.Length)
        {
            ops.Add(('-', a[x++]));
        }

        while (y < b.Length)
        {
            ops.Add(('+', b[y++]));
        }

        return ops;
    }

    private static string FirstDifference(string[] a, string[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        int i = 0;
        while (i < n && a[i] == b[i])
        {
            i++;
        }

        return $"first difference at line {i + 1}:{Environment.NewLine}- {(i < a.Length ? a[i] : "(end of file)")}" +
               $"{Environment.NewLine}+ {(i < b.Length ? b[i] : "(end of file)")}{Environment.NewLine}";
    }
}
