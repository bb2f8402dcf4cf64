using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace LlmKit.Tests.Tokens;

/// <summary>
/// Runs <c>oracle/tiktoken-oracle.mjs</c> with node: the npm <c>tiktoken</c> package (OpenAI's Rust code compiled to
/// WebAssembly) as the reference for token ids. <c>.ci/prerequisites.sh</c> installs it and exports
/// <c>LLMKIT_TIKTOKEN_NODE_MODULES</c>.
/// </summary>
internal static class TiktokenOracle
{
    public const string ModulesVariable = "LLMKIT_TIKTOKEN_NODE_MODULES";

    /// <summary>Returns why the oracle cannot run here, or <see langword="null"/> when it must run (always in CI).</summary>
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable(ModulesVariable) is { Length: > 0 } ||
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"{ModulesVariable} is not set: install the npm 'tiktoken' package (see .ci/prerequisites.sh) to run the parity oracle. CI always runs it.";

    public static IReadOnlyList<int[]> Encode(IReadOnlyList<(string Encoding, string Text, bool AllowSpecial)> cases)
    {
        string modules = Environment.GetEnvironmentVariable(ModulesVariable)
            ?? throw new InvalidOperationException($"CI=true but {ModulesVariable} is not set: .ci/prerequisites.sh must install the npm 'tiktoken' package.");
        Assert.True(File.Exists(Path.Combine(modules, "tiktoken", "package.json")), $"{ModulesVariable}='{modules}' holds no 'tiktoken' package.");

        string work = Directory.CreateTempSubdirectory("llmkit-oracle-").FullName;
        try
        {
            string input = Path.Combine(work, "in.json");
            string output = Path.Combine(work, "out.json");
            var payload = cases.Select(c => new Dictionary<string, string>
            {
                ["encoding"] = c.Encoding,
                ["utf16le"] = Convert.ToBase64String(MemoryMarshal.AsBytes(c.Text.AsSpan())),
                ["special"] = c.AllowSpecial ? "all" : "none",
            });
            File.WriteAllText(input, JsonSerializer.Serialize(payload), new UTF8Encoding(false));

            string script = Path.Combine(TokenCorpus.TokensFolder, "oracle", "tiktoken-oracle.mjs");
            var start = new ProcessStartInfo("node", [script, input, output])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            start.Environment[ModulesVariable] = modules;
            using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
            string stderr = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"The tiktoken oracle failed (exit {process.ExitCode}): {stderr}");
            return JsonSerializer.Deserialize<int[][]>(File.ReadAllText(output))!;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}

/// <summary>Skips a parity test, with the reason, when the node oracle is not installed outside CI.</summary>
internal sealed class TiktokenOracleFactAttribute : FactAttribute
{
    public TiktokenOracleFactAttribute()
    {
        if (TiktokenOracle.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The parity corpus in <c>Tokens/corpus</c>, read without dropping byte-order marks or unpaired surrogates.</summary>
internal static class TokenCorpus
{
    public static string TokensFolder => Path.Combine(LlmKit.Tests.Shared.TestData.RepositoryRoot, "tests", "LlmKit.Core.Tests", "Tokens");

    public static IReadOnlyList<(string Name, string Text)> Files()
    {
        var files = new List<(string, string)>();
        foreach (string path in Directory.GetFiles(Path.Combine(TokensFolder, "corpus")).Order(StringComparer.Ordinal))
        {
            byte[] bytes = File.ReadAllBytes(path);
            // UTF-16LE files carry unpaired surrogates, which no UTF-8 file can; GetString keeps a leading BOM.
            string text = path.EndsWith(".utf16le", StringComparison.Ordinal)
                ? new string(MemoryMarshal.Cast<byte, char>(bytes))
                : new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            files.Add((Path.GetFileName(path), text));
        }

        return files;
    }

    /// <summary>Every file whole, and each of its lines on its own (so each line's start is a text start too).</summary>
    public static IReadOnlyList<(string Name, string Text)> Cases()
    {
        var cases = new List<(string, string)>();
        foreach (var (name, text) in Files())
        {
            cases.Add((name, text));
            string[] lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length > 0)
                {
                    cases.Add(($"{name}:{i + 1}", lines[i]));
                }
            }
        }

        return cases;
    }
}
