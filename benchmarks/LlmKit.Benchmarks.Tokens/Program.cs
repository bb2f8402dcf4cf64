using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Running;
using LlmKit.Benchmarks.Tokens;
using LlmKit.Tokens;

// `--quick [seconds]`: one run that measures LlmKit and the npm tokenizers (run by node) on the same text, one thread
// each, and prints MB/s, tokens/s and the ratio to npm tiktoken. Anything else goes to BenchmarkDotNet.
if (args.Length == 0 || args[0] != "--quick")
{
    BenchmarkSwitcher.FromAssembly(typeof(TokenizerBenchmarks).Assembly).Run(args);
    return;
}

double seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3;
Console.WriteLine($"LlmKit tokenizer quick benchmark — {DateTime.UtcNow:u}");
Console.WriteLine($".NET {Environment.Version}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, " +
                  $"{seconds}s per measurement, single thread, load average before: {LoadAverage()}");

var sections = new (string Title, string Text)[]
{
    ("prose (prose-design.md + prose-style.md)", Corpus.LoadFiles("prose-design.md", "prose-style.md")),
    ("mixed Unicode (multilingual.txt)", Corpus.LoadFiles("multilingual.txt")),
    ("natural text (corpus without runs.txt)", Corpus.Load(natural: true)),
    ("full parity corpus (with long synthetic runs)", Corpus.Load(natural: false)),
};
foreach (var (title, text) in sections)
{
    int bytes = Encoding.UTF8.GetByteCount(text);
    Console.WriteLine();
    Console.WriteLine($"## {title}: {bytes / 1e6:F3} MB UTF-8");
    string file = Path.Combine(Path.GetTempPath(), $"llmkit-bench-{Environment.ProcessId}.utf16le");
    File.WriteAllBytes(file, MemoryMarshal.AsBytes(text.AsSpan()).ToArray());

    var rows = new List<(string Impl, string Encoding, double MBps, double Tps, string Same)>();
    foreach (var encoding in new[] { TiktokenEncoding.O200kBase, TiktokenEncoding.Cl100kBase })
    {
        var (mbps, tps) = Measure(() => encoding.EncodeOrdinary(text).Length, bytes, seconds);
        rows.Add(("LlmKit EncodeOrdinary", encoding.EncodingName, mbps, tps, "yes (parity test)"));
        (mbps, tps) = Measure(() => encoding.CountTokens(text), bytes, seconds);
        rows.Add(("LlmKit CountTokens", encoding.EncodingName, mbps, tps, "yes (parity test)"));

        // The same text through the .NET references, ordinary text (special-token text as text where they allow it).
        int[] reference = encoding.EncodeOrdinary(text);
        var ml = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding(encoding.EncodingName);
        (mbps, tps) = Measure(() => ml.EncodeToIds(text).Count, bytes, seconds);
        rows.Add(("Microsoft.ML.Tokenizers 3.0.0 EncodeToIds", encoding.EncodingName, mbps, tps, Same(ml.EncodeToIds(text), reference)));
        (mbps, tps) = Measure(() => ml.CountTokens(text), bytes, seconds);
        rows.Add(("Microsoft.ML.Tokenizers 3.0.0 CountTokens", encoding.EncodingName, mbps, tps, Same(ml.EncodeToIds(text), reference)));
        var sharp = SharpToken.GptEncoding.GetEncoding(encoding.EncodingName);
        var noSpecial = new HashSet<string>();
        (mbps, tps) = Measure(() => sharp.Encode(text, null, noSpecial).Count, bytes, seconds);
        rows.Add(("SharpToken 2.0.6 Encode", encoding.EncodingName, mbps, tps, Same(sharp.Encode(text, null, noSpecial), reference)));
    }

    foreach (var node in RunNode(file, seconds))
    {
        rows.Add((node.GetProperty("impl").GetString()!, node.GetProperty("encoding").GetString()!,
            node.GetProperty("mbps").GetDouble(), node.GetProperty("tps").GetDouble(), node.GetProperty("same").GetBoolean() ? "yes" : "NO"));
    }

    File.Delete(file);
    Console.WriteLine("| implementation | encoding | MB/s | tokens/s | × npm tiktoken | LlmKit EncodeOrdinary × this | ids equal tiktoken |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | --- |");
    foreach (var row in rows.OrderBy(r => r.Encoding, StringComparer.Ordinal))
    {
        double reference = rows.FirstOrDefault(r => r.Encoding == row.Encoding && r.Impl.StartsWith("npm tiktoken", StringComparison.Ordinal)).MBps;
        string ratio = reference > 0 ? (row.MBps / reference).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        double ours = rows.First(r => r.Encoding == row.Encoding && r.Impl == "LlmKit EncodeOrdinary").MBps;
        Console.WriteLine($"| {row.Impl} | {row.Encoding} | {row.MBps:F2} | {row.Tps:N0} | {ratio} | {(ours / row.MBps).ToString("F2", CultureInfo.InvariantCulture)} | {row.Same} |");
    }
}

Console.WriteLine();
Console.WriteLine($"load average after: {LoadAverage()}");

static (double MBps, double TokensPerSecond) Measure(Func<int> run, int bytes, double seconds)
{
    for (int i = 0; i < 2; i++)
    {
        run(); // warm-up: tiered JIT and the piece cache
    }

    int runs = 0, tokens = 0;
    var watch = Stopwatch.StartNew();
    while (watch.Elapsed.TotalSeconds < seconds)
    {
        tokens = run();
        runs++;
    }

    double elapsed = watch.Elapsed.TotalSeconds;
    return (bytes * (double)runs / elapsed / 1e6, tokens * (double)runs / elapsed);
}

static List<JsonElement> RunNode(string file, double seconds)
{
    string? modules = Environment.GetEnvironmentVariable("LLMKIT_BENCH_NODE_MODULES");
    if (string.IsNullOrEmpty(modules))
    {
        Console.WriteLine("(LLMKIT_BENCH_NODE_MODULES is not set: npm tiktoken, js-tiktoken and gpt-tokenizer are skipped)");
        return [];
    }

    string script = Path.Combine(AppContext.BaseDirectory, "node-bench.mjs");
    var start = new ProcessStartInfo("node", [script, file, seconds.ToString(CultureInfo.InvariantCulture)])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    using var process = Process.Start(start)!;
    string output = process.StandardOutput.ReadToEnd();
    string error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        Console.WriteLine($"(node failed: {error})");
        return [];
    }

    return JsonDocument.Parse(output).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
}

static string Same(IReadOnlyList<int> ids, int[] reference) => ids.SequenceEqual(reference) ? "yes" : "NO";

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
