using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using LlmKit.Tests.Shared;

namespace LlmKit.Embeddings.Onnx.Tests;

/// <summary>
/// Runs <c>oracle/bert-oracle.mjs</c> with node: Hugging Face's Rust tokenizer (the npm <c>tokenizers</c> package, the
/// code sentence-transformers tokenizes with) is the reference for token ids. <c>.ci/prerequisites.sh</c> installs it
/// and exports <c>LLMKIT_HF_TOKENIZERS_NODE_MODULES</c>.
/// </summary>
internal static class HuggingFaceTokenizerOracle
{
    public const string ModulesVariable = "LLMKIT_HF_TOKENIZERS_NODE_MODULES";

    /// <summary>Returns why the oracle cannot run here, or <see langword="null"/> when it must run (always in CI).</summary>
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable(ModulesVariable) is { Length: > 0 } ||
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"{ModulesVariable} is not set: install the npm 'tokenizers' package (see .ci/prerequisites.sh) to run the tokenizer oracle. CI always runs it.";

    public static IReadOnlyList<int[]> Encode(string vocabularyPath, IReadOnlyList<string> texts)
    {
        string modules = Environment.GetEnvironmentVariable(ModulesVariable)
            ?? throw new InvalidOperationException($"CI=true but {ModulesVariable} is not set: .ci/prerequisites.sh must install the npm 'tokenizers' package.");
        Assert.True(File.Exists(Path.Combine(modules, "tokenizers", "package.json")), $"{ModulesVariable}='{modules}' holds no 'tokenizers' package.");

        string work = Directory.CreateTempSubdirectory("llmkit-bert-oracle-").FullName;
        try
        {
            string input = Path.Combine(work, "in.json");
            string output = Path.Combine(work, "out.json");
            File.WriteAllText(input, JsonSerializer.Serialize(texts.Select(t => Convert.ToBase64String(MemoryMarshal.AsBytes(t.AsSpan())))), new UTF8Encoding(false));
            string script = Path.Combine(TestData.RepositoryRoot, "tests", "LlmKit.Embeddings.Onnx.Tests", "oracle", "bert-oracle.mjs");
            var start = new ProcessStartInfo("node", [script, vocabularyPath, input, output])
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
            Assert.True(process.ExitCode == 0, $"The Hugging Face tokenizer oracle failed (exit {process.ExitCode}): {stderr}");
            return JsonSerializer.Deserialize<int[][]>(File.ReadAllText(output))!;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}

/// <summary>Skips an oracle test, with the reason, when the node package is not installed outside CI.</summary>
internal sealed class HuggingFaceOracleFactAttribute : FactAttribute
{
    public HuggingFaceOracleFactAttribute()
    {
        if (HuggingFaceTokenizerOracle.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
