using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmKit.Rag.Embeddings;
using LlmKit.Rag.Evaluation;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Keyword;
using LlmKit.Rag.Vectors;

// Quality on Cranfield and speed on a seeded Zipf corpus, each side by side with SQLite FTS5 (Python's sqlite3) in
// the same run. `dotnet run -c Release -- [quality|speed|all] [--docs N] [--queries N]`; `hybrid` (embedders on
// Cranfield); `postgres [--chunks N]` (the PostgreSQL store against the in-process one: Cranfield quality, then N chunks).
string mode = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
if (mode == "bdn")
{
    BenchmarkDotNet.Running.BenchmarkRunner.Run<LlmKit.Benchmarks.Rag.Bm25Benchmarks>();
    return;
}

int docCount = IntArg("--docs", 100_000);
int queryCount = IntArg("--queries", 1_000);
int warmupCount = IntArg("--warmup", 200);
bool uniformQueries = args.Contains("--uniform-queries");
string work = Directory.CreateTempSubdirectory("llmkit-rag-bench").FullName;
Console.WriteLine($"# LlmKit.Rag benchmark  {DateTime.UtcNow:u}  .NET {Environment.Version}  {Environment.ProcessorCount} cores  {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
Console.WriteLine($"# load average at start: {LoadAverage()}");
if (mode is "quality" or "all")
{
    await Quality();
}

if (mode is "hybrid" or "all")
{
    await LlmKit.Benchmarks.Rag.HybridQuality.RunAsync();
}

if (mode is "postgres")
{
    await LlmKit.Benchmarks.Rag.PostgresRetrieval.RunAsync(IntArg("--chunks", 100_000));
}

if (mode is "chunkers")
{
    LlmKit.Benchmarks.Rag.ChunkerTimings.Run();
}

if (mode is "tune")
{
    await Tune();
}

if (mode is "speed" or "all")
{
    Speed();
}

Console.WriteLine($"# load average at end: {LoadAverage()}");
Directory.Delete(work, recursive: true);
return;

int IntArg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

string Python(params string[] arguments)
{
    var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
    psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fts5.py"));
    foreach (string a in arguments)
    {
        psi.ArgumentList.Add(a);
    }

    using var p = Process.Start(psi)!;
    var stdout = p.StandardOutput.ReadToEndAsync();
    string stderr = p.StandardError.ReadToEnd();
    p.WaitForExit();
    return p.ExitCode == 0 ? stdout.Result : throw new InvalidOperationException("fts5.py failed: " + stderr);
}

async Task Quality()
{
    string dir = FindCranfield();
    var collection = CranfieldCollection.Load(dir);
    Console.WriteLine($"\n## Quality: Cranfield ({collection.Documents.Count} docs, {collection.Queries.Count} queries, {collection.Qrels.QueryIds.Count} judged; grade = 5 - code, code -1 dropped; title + abstract indexed)");
    var docs = collection.Documents.Select(d => (d.Id, Text: d.Title + "\n" + d.Text)).ToList();
    string docsPath = Path.Combine(work, "cran-docs.tsv");
    string queriesPath = Path.Combine(work, "cran-queries.tsv");
    File.WriteAllLines(docsPath, docs.Select(d => d.Id + "\t" + Flat(d.Text)));
    File.WriteAllLines(queriesPath, collection.Queries.Select(q => q.Id + "\t" + Flat(q.Text)));

    using var bm25 = new Bm25Index();
    bm25.AddRange(docs);
    var plainEmbedder = new HashingEmbeddingGenerator();
    using var plainVectors = new VectorIndex(HashingEmbeddingConstants.DefaultDimensions);
    var embedder = HashingEmbeddingGenerator.Fit(docs.Select(d => d.Text), new HashingEmbeddingGeneratorOptions { Dimensions = 4096 });
    using var vectors = new VectorIndex(4096);
    foreach (var (id, text) in docs)
    {
        plainVectors.Upsert(id, plainEmbedder.Embed(text));
        vectors.Upsert(id, embedder.Embed(text));
    }

    var rows = new List<(string Name, EvaluationReport Report)>();
    foreach (string tokenizer in new[] { "unicode61", "porter unicode61" })
    {
        var runs = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(Python("quality", docsPath, queriesPath, "100", tokenizer))!;
        var byText = collection.Queries.ToDictionary(q => q.Text, q => q.Id);
        rows.Add(($"SQLite FTS5 bm25() [{tokenizer}]", RetrievalEvaluator.Evaluate(collection.Queries, collection.Qrels, q => runs[byText[q]])));
    }

    rows.Add(("LlmKit Bm25Index (k1 1.2, b 0.75, stop words, Porter)", RetrievalEvaluator.Evaluate(collection.Queries, collection.Qrels, q => bm25.Search(q, 100).Select(h => h.Id).ToList())));
    rows.Add(("LlmKit hashing embedder, defaults (1024-d, unfitted)", RetrievalEvaluator.Evaluate(collection.Queries, collection.Qrels, q => plainVectors.Search(plainEmbedder.Embed(q), 100).Select(h => h.Id).ToList())));
    rows.Add(("LlmKit hashing embedder, 4096-d, idf fitted on the corpus", RetrievalEvaluator.Evaluate(collection.Queries, collection.Qrels, q => vectors.Search(embedder.Embed(q), 100).Select(h => h.Id).ToList())));
    foreach (var (name, options, vec, emb) in new[]
    {
        ("LlmKit HybridRetriever RRF k=60, depth 100: BM25 + defaults embedder", new HybridRetrieverOptions { CandidateDepth = 100 }, plainVectors, plainEmbedder),
        ("LlmKit HybridRetriever RRF k=60, depth 100: BM25 + fitted 4096-d embedder", new HybridRetrieverOptions { CandidateDepth = 100 }, vectors, embedder),
        ("LlmKit HybridRetriever weighted 0.7/0.3, depth 100: BM25 + fitted 4096-d", new HybridRetrieverOptions { CandidateDepth = 100, Fusion = FusionMethod.WeightedScore, KeywordWeight = 0.7, VectorWeight = 0.3 }, vectors, embedder),
    })
    {
        var hybrid = new HybridRetriever(bm25, vec, emb, options);
        rows.Add((name, await RetrievalEvaluator.EvaluateAsync(collection.Queries, collection.Qrels, async (q, ct) => (await hybrid.SearchAsync(q, 100, cancellationToken: ct)).Select(r => r.Id).ToList())));
    }

    Console.WriteLine($"| system | nDCG@10 | Recall@100 | MRR |");
    Console.WriteLine($"| --- | --- | --- | --- |");
    foreach (var (name, r) in rows)
    {
        Console.WriteLine($"| {name} | {r.Ndcg[10]:F4} | {r.Recall[100]:F4} | {r.Mrr:F4} |");
    }
}

async Task Tune()
{
    var collection = CranfieldCollection.Load(FindCranfield());
    var docs = collection.Documents.Select(d => (d.Id, Text: d.Title + "\n" + d.Text)).ToList();
    using var bm25 = new Bm25Index();
    bm25.AddRange(docs);
    foreach (int dims in new[] { 1024, 2048, 4096 })
    foreach (double tri in new[] { 0.0, 0.25 })
    foreach (double bi in new[] { 0.0, 0.5 })
    {
        var embedder = HashingEmbeddingGenerator.Fit(docs.Select(d => d.Text), new HashingEmbeddingGeneratorOptions { Dimensions = dims, CharTrigramWeight = tri, WordBigramWeight = bi });
        using var vectors = new VectorIndex(dims);
        foreach (var (id, text) in docs)
        {
            vectors.Upsert(id, embedder.Embed(text));
        }

        var v = RetrievalEvaluator.Evaluate(collection.Queries, collection.Qrels, q => vectors.Search(embedder.Embed(q), 100).Select(h => h.Id).ToList());
        var hybrid = new HybridRetriever(bm25, vectors, embedder, new HybridRetrieverOptions { CandidateDepth = 100 });
        var h = await RetrievalEvaluator.EvaluateAsync(collection.Queries, collection.Qrels, async (q, ct) => (await hybrid.SearchAsync(q, 100, cancellationToken: ct)).Select(r => r.Id).ToList());
        Console.WriteLine($"dims {dims} tri {tri} bi {bi}: vector nDCG@10 {v.Ndcg[10]:F4} R@100 {v.Recall[100]:F4} | RRF nDCG@10 {h.Ndcg[10]:F4} R@100 {h.Recall[100]:F4}");
    }
}

void Speed()
{
    Console.WriteLine($"\n## Speed: synthetic Zipf corpus ({docCount:N0} docs, 80-120 words each, 50,000-word vocabulary, Zipf s=1.0, seed 42); {queryCount:N0} OR-queries of 3-5 {(uniformQueries ? "uniformly drawn" : "Zipf-drawn")} terms, top 10, {warmupCount} warm-up queries");
    var rng = new Random(42);
    const int vocabulary = 50_000;
    var cdf = new double[vocabulary];
    double sum = 0;
    for (int i = 0; i < vocabulary; i++)
    {
        sum += 1.0 / (i + 1);
        cdf[i] = sum;
    }

    string Word() => "w" + (Array.BinarySearch(cdf, rng.NextDouble() * sum) is var i && i < 0 ? ~i : i).ToString(CultureInfo.InvariantCulture);
    var docs = new List<(string Id, string Text)>(docCount);
    var sb = new StringBuilder();
    for (int d = 1; d <= docCount; d++)
    {
        sb.Clear();
        int words = rng.Next(80, 121);
        for (int w = 0; w < words; w++)
        {
            sb.Append(Word()).Append(' ');
        }

        docs.Add((d.ToString(CultureInfo.InvariantCulture), sb.ToString()));
    }

    var queries = new List<string>(queryCount);
    for (int q = 0; q < queryCount; q++)
    {
        queries.Add(string.Join(' ', Enumerable.Range(0, rng.Next(3, 6)).Select(_ => uniformQueries ? "w" + rng.Next(vocabulary).ToString(CultureInfo.InvariantCulture) : Word())));
    }

    string docsPath = Path.Combine(work, "zipf-docs.tsv");
    string queriesPath = Path.Combine(work, "zipf-queries.tsv");
    File.WriteAllLines(docsPath, docs.Select(d => d.Id + "\t" + d.Text));
    File.WriteAllLines(queriesPath, queries.Select((q, i) => i + "\t" + q));

    using var fts = JsonDocument.Parse(Python("speed", docsPath, queriesPath, "10", warmupCount.ToString(CultureInfo.InvariantCulture)));
    var root = fts.RootElement;
    double ftsBuild = root.GetProperty("build_s").GetDouble();
    double ftsMedian = root.GetProperty("median_ms").GetDouble();
    double ftsP99 = root.GetProperty("p99_ms").GetDouble();
    double ftsMean = root.GetProperty("mean_ms").GetDouble();
    var ftsTop = root.GetProperty("top").EnumerateArray().Select(a => a.EnumerateArray().Select(x => x.GetInt64().ToString(CultureInfo.InvariantCulture)).ToList()).ToList();

    // Warm-up build on a slice, so the timed build runs optimized (tier-1) code as FTS5's compiled C does.
    using (var warm = new Bm25Index())
    {
        warm.AddRange(docs.Take(Math.Min(5_000, docs.Count)));
    }

    GC.Collect();
    var sw = Stopwatch.StartNew();
    using var index = new Bm25Index();
    index.AddRange(docs);
    double build = sw.Elapsed.TotalSeconds;

    foreach (string q in queries.Take(warmupCount))
    {
        index.Search(q, 10);
    }

    var times = new double[queries.Count];
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    var results = new IReadOnlyList<LlmKit.Rag.SearchHit>[queries.Count];
    for (int i = 0; i < queries.Count; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        results[i] = index.Search(queries[i], 10);
        times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    Array.Sort(times);
    double median = times[times.Length / 2];
    double p99 = times[Math.Min(times.Length - 1, (int)(0.99 * times.Length))];
    double mean = times.Average();
    double overlap = 0;
    for (int i = 0; i < queries.Count; i++)
    {
        var mine = results[i].Select(h => h.Id).ToHashSet();
        overlap += ftsTop[i].Count == 0 ? 1 : (double)ftsTop[i].Count(mine.Contains) / ftsTop[i].Count;
    }

    Console.WriteLine($"| system | index build (s) | median (ms) | p99 (ms) | mean (ms) |");
    Console.WriteLine($"| --- | --- | --- | --- | --- |");
    Console.WriteLine($"| SQLite FTS5 {root.GetProperty("sqlite_version").GetString()} bm25(), unicode61, in-memory, after 'optimize' | {ftsBuild:F2} | {ftsMedian:F3} | {ftsP99:F3} | {ftsMean:F3} |");
    Console.WriteLine($"| LlmKit Bm25Index (MaxScore, Porter, stop words) | {build:F2} | {median:F3} | {p99:F3} | {mean:F3} |");
    Console.WriteLine($"| ratio FTS5 / LlmKit | {ftsBuild / build:F1}x | {ftsMedian / median:F1}x | {ftsP99 / p99:F1}x | {ftsMean / mean:F1}x |");
    Console.WriteLine($"top-10 overlap with FTS5 (different idf formula, so not 100%): {overlap / queries.Count:P1}; allocated per query: {allocated / queries.Count:N0} bytes (results included)");
}

static string Flat(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

static string FindCranfield()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "LlmKit.sln")))
        {
            return Path.Combine(dir.FullName, "tests", "data", "cranfield");
        }
    }

    throw new DirectoryNotFoundException("No LlmKit.sln above the benchmark; Cranfield lives in the repository at tests/data/cranfield.");
}
