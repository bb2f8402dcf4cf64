// LlmKit Quickstart — the README's first command. Offline by default (no key, no network):
//   1. ingests this repository's docs/ with the offline hashing embedder (content-hashed), saving the indexes to a
//      snapshot next to the binaries, so a restart loads them and embeds only documents that changed,
//   2. answers a few questions with hybrid retrieval (BM25 + vectors fused with Reciprocal Rank Fusion) and prints the
//      cited passages with the rank each retriever gave them.
// With a model configured it also asks for a structured, cited answer and prints tokens, cost and latency:
//   OPENAI_API_KEY (optionally OPENAI_BASE_URL for vLLM/Ollama/LiteLLM/Azure v1, LLMKIT_MODEL, default gpt-4o-mini)
//   or ANTHROPIC_API_KEY (LLMKIT_MODEL, default claude-3-5-haiku-latest).
using System.ComponentModel;
using System.Diagnostics;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Rag.Chunking;
using LlmKit.Rag.Hybrid;
using LlmKit.Rag.Ingestion;
using LlmKit.StructuredOutput;
using LlmKit.Tokens;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

string[] questions =
[
    "How do I register a named chat client and make it the default?",
    "What happens at start-up when a configuration value is out of range?",
    "Which errors does LlmKit treat as transient?",
    "How can I test streaming responses without a real model?",
];

// The indexes persist here between runs (delete it to start over). Swap in a semantic model with
// .AddOnnxEmbeddings(o => o.ModelDirectory = "models/all-MiniLM-L6-v2") from LlmKit.Embeddings.Onnx: see docs/retrieval.md.
string snapshotPath = Path.Combine(AppContext.BaseDirectory, "retrieval.snapshot");

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var llmKit = builder.Services.AddLlmKit()
    .AddTokenCounting()
    .AddModelCatalog()
    .AddRetrieval(o => o.SnapshotPath = snapshotPath);
// docs/ is markdown: chunk by heading so every passage carries its heading path, and code blocks stay whole.
builder.Services.AddSingleton<IChunker>(sp => new MarkdownChunker(sp.GetRequiredService<ITokenCounter>(), new ChunkerOptions { MaxTokens = 200 }));

string? model = Environment.GetEnvironmentVariable("LLMKIT_MODEL");
bool hasModel = true;
if (Environment.GetEnvironmentVariable("OPENAI_API_KEY") is { Length: > 0 })
{
    llmKit.AddOpenAI("assistant", o =>
    {
        o.Model = model ?? "gpt-4o-mini";
        if (Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is { Length: > 0 } baseUrl)
        {
            o.Endpoint = new Uri(baseUrl);
        }
    }).UseResilience();
}
else if (Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY") is { Length: > 0 })
{
    llmKit.AddAnthropic("assistant", o => o.Model = model ?? "claude-3-5-haiku-latest").UseResilience();
}
else
{
    hasModel = false;
}

using var host = builder.Build();
await host.StartAsync(); // every LlmKit option is validated here
var services = host.Services;

// 1. Ingest docs/ (markdown files) into both indexes; `dotnet run -- <folder>` ingests another folder instead.
string docs = args is [var folder, ..] ? Path.GetFullPath(folder) : FindDocsFolder();
var markdown = Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).ToList();
var documents = markdown
    // An index README only lists the other pages; skip it unless it is all there is.
    .Where(path => markdown.Count == 1 || !string.Equals(Path.GetRelativePath(docs, path), "README.md", StringComparison.Ordinal))
    .Order(StringComparer.Ordinal)
    .Select(path => new IngestionDocument(Path.GetRelativePath(docs, path), File.ReadAllText(path)))
    .ToList();
var ingestion = services.GetRequiredService<IngestionPipeline>();
var chunks = services.GetRequiredService<ChunkStore>();
if (File.Exists(snapshotPath))
{
    Console.WriteLine($"Loaded {chunks.Count} chunks from {snapshotPath} (no re-embedding; only changed documents are embedded again).");
}

var clock = Stopwatch.StartNew();
var report = await ingestion.SynchronizeAsync(documents);
if (report.Documents.Any(d => d.Status is not IngestionStatus.Unchanged) || !File.Exists(snapshotPath))
{
    await ingestion.SaveSnapshotAsync(snapshotPath);
}

Console.WriteLine($"Ingested {documents.Count} documents from {docs} into {chunks.Count} chunks in {clock.ElapsedMilliseconds} ms " +
                  $"({string.Join(", ", report.Documents.GroupBy(d => d.Status).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"))}).");

// 2. Hybrid retrieval with every stage's rank, so a result can be explained.
var retriever = services.GetRequiredService<HybridRetriever>();
foreach (string question in questions)
{
    Console.WriteLine();
    Console.WriteLine($"Q: {question}");
    var results = await retriever.SearchAsync(question, top: 3);
    for (int i = 0; i < results.Count; i++)
    {
        var result = results[i];
        string source = chunks.TryGet(result.Id, out var chunk) ? $"{chunk.DocumentId}{Heading(chunk)}" : result.Id;
        Console.WriteLine($"  [{i + 1}] {source}  (bm25 #{result.KeywordRank?.ToString() ?? "-"}, vector #{result.VectorRank?.ToString() ?? "-"}, fused {result.FusedScore:F4})");
        Console.WriteLine($"      {Snippet(result.Text)}");
    }

    if (hasModel)
    {
        await AskModelAsync(question, results);
    }
}

if (!hasModel)
{
    Console.WriteLine();
    Console.WriteLine("Set OPENAI_API_KEY (or ANTHROPIC_API_KEY) to also get a structured, cited answer with tokens, cost and latency.");
}

await host.StopAsync();

async Task AskModelAsync(string question, IReadOnlyList<RetrievalResult> sources)
{
    var chat = services.GetRequiredService<IChatClient>();
    string context = string.Join("\n\n", sources.Select((s, i) => $"[{i + 1}] {s.Text}"));
    List<ChatMessage> messages =
    [
        new(ChatRole.System, "Answer only from the numbered sources. Cite the numbers of the sources you used."),
        new(ChatRole.User, $"Sources:\n{context}\n\nQuestion: {question}"),
    ];
    var started = Stopwatch.GetTimestamp();
    try
    {
        var result = await chat.GetObjectAsync<Answer>(messages);
        var elapsed = Stopwatch.GetElapsedTime(started);
        string servedModel = result.LastResponse?.ModelId ?? model ?? "unknown";
        decimal? cost = services.GetRequiredService<IModelCatalog>().Find(servedModel)?.CostOf(result.Usage);
        if (result.TryGetValue(out var answer))
        {
            Console.WriteLine($"  A: {answer.Text}  (sources {string.Join(", ", answer.SourceIds)})");
        }
        else
        {
            Console.WriteLine($"  No answer: {result.Failure}");
        }

        Console.WriteLine($"     {result.Usage.InputTokenCount} in / {result.Usage.OutputTokenCount} out tokens, " +
                          $"{(cost is { } c ? $"${c:F6}" : "cost unknown")}, {elapsed.TotalMilliseconds:F0} ms, {result.Attempts} attempt(s), model {servedModel}");
    }
    catch (LlmException ex)
    {
        Console.WriteLine($"  Model call failed: {ex.Kind} (HTTP {ex.StatusCode}) {ex.Message}");
    }
}

static string FindDocsFolder()
{
    foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmKit.sln")) && Directory.Exists(Path.Combine(dir.FullName, "docs")))
            {
                return Path.Combine(dir.FullName, "docs");
            }
        }
    }

    // Outside the repository (a project made with `dotnet new llmkit-quickstart`): the markdown next to the project.
    if (Directory.EnumerateFiles(Environment.CurrentDirectory, "*.md").Any())
    {
        return Environment.CurrentDirectory;
    }

    throw new DirectoryNotFoundException("No markdown to ingest: run inside the LlmKit repository (it ingests docs/), or pass a folder: dotnet run -- <folder>.");
}

static string Heading(StoredChunk chunk) => chunk.HeadingPath.Count == 0 ? "" : " › " + string.Join(" › ", chunk.HeadingPath);

static string Snippet(string? text)
{
    string flat = string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    return flat.Length <= 150 ? flat : flat[..147] + "...";
}

/// <summary>The structured answer the model must return.</summary>
/// <param name="Text">The answer, from the sources only.</param>
/// <param name="SourceIds">The numbers of the sources used.</param>
internal sealed record Answer(
    [property: Description("The answer, using only the numbered sources.")] string Text,
    [property: Description("The numbers of the sources the answer used.")] int[] SourceIds);
