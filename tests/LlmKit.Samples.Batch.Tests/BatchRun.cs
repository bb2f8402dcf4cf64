using System.Collections.Concurrent;
using System.Text.Json;
using BatchPipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmKit.Samples.Batch.Tests;

/// <summary>A temporary copy of the sample's bundled tickets, an output folder, and a way to run the batch on them.</summary>
internal sealed class BatchFolder : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public BatchFolder(int? take = null, bool includeUnreadable = true)
    {
        Root = Directory.CreateTempSubdirectory("llmkit-batch-").FullName;
        Input = Path.Combine(Root, "input");
        Output = Path.Combine(Root, "output");
        Directory.CreateDirectory(Input);
        var bundled = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "tickets"), "*.txt")
            .Order(StringComparer.Ordinal)
            .Where(f => includeUnreadable || !f.EndsWith(Unreadable, StringComparison.Ordinal))
            .Take(take ?? int.MaxValue);
        foreach (string file in bundled)
        {
            File.Copy(file, Path.Combine(Input, Path.GetFileName(file)));
        }
    }

    /// <summary>The bundled document the demo model can never classify (it has no words).</summary>
    public const string Unreadable = "0029-garbled.txt";

    public string Root { get; }

    public string Input { get; }

    public string Output { get; }

    public string ProgressPath => Path.Combine(Output, "progress.jsonl");

    public string ResultsPath => Path.Combine(Output, "results.jsonl");

    public IReadOnlyList<string> Documents => [.. Directory.GetFiles(Input).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    /// <summary>Runs the batch once, in-process, wired exactly as Program wires it, with the demo model behind a probe.</summary>
    public async Task<(BatchRunSummary Summary, ModelProbe Probe)> RunAsync(
        Dictionary<string, string?>? settings = null, IProgress<BatchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var probe = new ModelProbe(Directory.GetFiles(Input).ToDictionary(f => File.ReadAllText(f).Trim(), f => Path.GetFileName(f)));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Batch:InputFolder"] = Input,
            ["Batch:OutputFolder"] = Output,
            ["DemoModel:Latency"] = "00:00:00.010",
            ["DemoModel:RetryAfter"] = "00:00:00.020",
            ["LlmKit:Resilience:classifier:Retry:BaseDelay"] = "00:00:00.010",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddBatchClassifier()
            .AddBatchModes(builder.Configuration)
            .AddChatClient(BatchClassifier.ClientName, sp => probe.Wrap(new DemoClassifierChatClient(sp.GetRequiredService<IOptions<DemoModelOptions>>().Value)))
            .UseResilience();
        using var host = builder.Build();
        await host.StartAsync(CancellationToken.None);
        var summary = await host.Services.GetRequiredService<BatchClassifier>().RunAsync(progress, cancellationToken);
        await host.StopAsync(CancellationToken.None);
        return (summary, probe);
    }

    public List<ProgressEntry> ReadProgress() =>
        [.. File.ReadAllLines(ProgressPath).Select(l => JsonSerializer.Deserialize<ProgressEntry>(l, Json)!)];

    public List<JsonElement> ReadResults() =>
        [.. File.ReadAllLines(ResultsPath).Select(l => JsonSerializer.Deserialize<JsonElement>(l))];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Sits between the batch's pipeline and the demo model: records every call the model received.</summary>
internal sealed class ModelProbe(IReadOnlyDictionary<string, string> documentsByContent)
{
    private int _inFlight;
    private int _maxInFlight;

    public ConcurrentQueue<ModelCall> Calls { get; } = new();

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Gets the documents the model was asked about, with how many calls each took.</summary>
    public Dictionary<string, int> CallsPerDocument => Calls.GroupBy(c => c.Document).ToDictionary(g => g.Key, g => g.Count());

    public IChatClient Wrap(IChatClient inner) => new ProbeChatClient(inner, this);

    private string DocumentOf(IEnumerable<ChatMessage> messages)
    {
        string prompt = messages.First(m => m.Role == ChatRole.User).Text;
        int start = prompt.IndexOf("<document>", StringComparison.Ordinal) + "<document>".Length;
        int end = prompt.LastIndexOf("</document>", StringComparison.Ordinal);
        return documentsByContent[prompt[start..end].Trim()];
    }

    private sealed class ProbeChatClient(IChatClient inner, ModelProbe probe) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            string document = probe.DocumentOf(messages);
            var started = DateTimeOffset.UtcNow;
            int now = Interlocked.Increment(ref probe._inFlight);
            int max;
            while (now > (max = Volatile.Read(ref probe._maxInFlight)) && Interlocked.CompareExchange(ref probe._maxInFlight, now, max) != max)
            {
            }

            bool failed = true;
            try
            {
                var response = await base.GetResponseAsync(messages, options, cancellationToken);
                failed = false;
                return response;
            }
            finally
            {
                Interlocked.Decrement(ref probe._inFlight);
                probe.Calls.Enqueue(new ModelCall(document, started, DateTimeOffset.UtcNow, failed));
            }
        }

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The batch does not stream.");
    }
}

internal sealed record ModelCall(string Document, DateTimeOffset Started, DateTimeOffset Ended, bool Failed);
