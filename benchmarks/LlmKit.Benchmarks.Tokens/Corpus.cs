using System.Runtime.InteropServices;
using System.Text;

namespace LlmKit.Benchmarks.Tokens;

/// <summary>The tokenizer parity corpus (tests/LlmKit.Core.Tests/Tokens/corpus), read exactly as the parity test reads it.</summary>
internal static class Corpus
{
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "LlmKit.Core.Tests", "Tokens", "corpus");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("The tokenizer corpus was not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The named corpus files concatenated in name order.</summary>
    public static string LoadFiles(params string[] names)
    {
        var sb = new StringBuilder();
        foreach (string name in names.Order(StringComparer.Ordinal))
        {
            sb.Append(new UTF8Encoding(false).GetString(File.ReadAllBytes(Path.Combine(Folder, name))));
        }

        return sb.ToString();
    }

    /// <summary>All corpus files concatenated in name order; <paramref name="natural"/> leaves out the synthetic runs file.</summary>
    public static string Load(bool natural)
    {
        var sb = new StringBuilder();
        foreach (string path in Directory.GetFiles(Folder).Order(StringComparer.Ordinal))
        {
            if (natural && Path.GetFileName(path) == "runs.txt")
            {
                continue;
            }

            byte[] bytes = File.ReadAllBytes(path);
            sb.Append(path.EndsWith(".utf16le", StringComparison.Ordinal)
                ? new string(MemoryMarshal.Cast<byte, char>(bytes))
                : new UTF8Encoding(false).GetString(bytes));
        }

        return sb.ToString();
    }
}
