using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LlmKit.Budgets;
using LlmKit.Caching;
using LlmKit.Models;
using LlmKit.Telemetry;
using LlmKit.Testing;
using LlmKit.Tokens;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace LlmKit.Benchmarks.Pipeline;

/// <summary>
/// What the budget, cache (miss) and telemetry stages add to one non-streaming call, against the bare
/// <see cref="ScriptedChatClient"/> they wrap; and how long a cache hit takes, against the same hit through
/// Microsoft.Extensions.AI's <c>DistributedCachingChatClient</c>.
/// </summary>
/// <remarks>
/// The pipeline is rebuilt before every iteration because ScriptedChatClient records each request it receives.
/// The miss path uses a cache that always misses and drops writes, so the numbers are the stage's own work (key,
/// lookup, serialization of the answer), not a particular cache backend's.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class StageOverheadBenchmarks
{
    internal static readonly ScriptedTurn Answer = ScriptedTurn.FromText("The capital of France is Paris.").WithUsage(120, 8).WithModel("gpt-4o-mini");

    private readonly List<ChatMessage> _messages = Request();

    private readonly ChatOptions _options = RequestOptions();

    private LlmKitInstrumentation _instrumentation = null!;
    private ActivityListener? _activityListener;
    private MeterListener? _meterListener;
    private MemoryDistributedCache _warmCache = null!;
    private IChatClient _bare = null!;
    private IChatClient _stages = null!;
    private IChatClient _cacheHit = null!;
    private IChatClient _meaiCacheHit = null!;

    /// <summary>Gets or sets whether an OpenTelemetry-style listener samples every span and measurement.</summary>
    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        _instrumentation = new LlmKitInstrumentation();
        if (Listening)
        {
            _activityListener = new ActivityListener
            {
                ShouldListenTo = s => ReferenceEquals(s, _instrumentation.ActivitySource),
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_activityListener);
            _meterListener = new MeterListener
            {
                InstrumentPublished = (i, l) => { if (i.Meter == _instrumentation.Meter) { l.EnableMeasurementEvents(i); } },
            };
            _meterListener.SetMeasurementEventCallback<long>((_, _, _, _) => { });
            _meterListener.SetMeasurementEventCallback<double>((_, _, _, _) => { });
            _meterListener.Start();
        }
    }

    [IterationSetup]
    public void IterationSetup()
    {
        _bare = Scripted();

        var budget = new BudgetChatClient(
            new ResponseCacheChatClient(Scripted(), new AlwaysMissCache(), clientName: "main", instrumentation: _instrumentation),
            new InMemoryBudgetStore(),
            new BudgetOptions { TokensPerMinute = long.MaxValue / 4, CostPerDay = 1_000_000m, MaxCostPerCall = 10m },
            "main", new PriceList(), new CharacterTokenCounter());
        _stages = new TelemetryChatClient(budget, _instrumentation, clientName: "main", catalog: new PriceList());

        _warmCache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        _cacheHit = new ResponseCacheChatClient(Scripted(), _warmCache, clientName: "main", instrumentation: _instrumentation);
        _cacheHit.GetResponseAsync(_messages, _options).GetAwaiter().GetResult();
        var meaiCache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        _meaiCacheHit = new DistributedCachingChatClient(Scripted(), meaiCache);
        _meaiCacheHit.GetResponseAsync(_messages, _options).GetAwaiter().GetResult();
    }

    /// <summary>The benchmarked request: a system and a user message (~230 characters).</summary>
    internal static List<ChatMessage> Request() =>
    [
        new(ChatRole.System, "You are a concise assistant for a travel agency. Answer in one sentence, cite no sources, and never speculate."),
        new(ChatRole.User, "What is the capital of France? I am planning a trip in the spring and would like to know where to land."),
    ];

    /// <summary>The benchmarked options: deterministic (so cached), an output cap, caller tags set.</summary>
    internal static ChatOptions RequestOptions() => new ChatOptions { ModelId = "gpt-4o-mini", Temperature = 0, MaxOutputTokens = 256 }
        .WithCallerTags(new CallerTags("acme", "travel", "req-1"));

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _activityListener?.Dispose();
        _meterListener?.Dispose();
        _instrumentation.Dispose();
    }

    [Benchmark(Baseline = true, Description = "bare ScriptedChatClient")]
    public Task<ChatResponse> Bare() => _bare.GetResponseAsync(_messages, _options);

    [Benchmark(Description = "telemetry + budget + cache miss")]
    public Task<ChatResponse> StagesOnAMiss() => _stages.GetResponseAsync(_messages, _options);

    [Benchmark(Description = "LlmKit cache hit")]
    public Task<ChatResponse> CacheHit() => _cacheHit.GetResponseAsync(_messages, _options);

    [Benchmark(Description = "M.E.AI DistributedCachingChatClient hit")]
    public Task<ChatResponse> MeaiCacheHit() => _meaiCacheHit.GetResponseAsync(_messages, _options);

    private static ScriptedChatClient Scripted() => new ScriptedChatClient(modelId: "gpt-4o-mini").RespondToEveryRequest(_ => Answer);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // A short in-process run with a fixed invocation count: the machine is shared (a separate build of the
            // generated project times out under load), and IterationSetup needs a known count.
            // Under load the minimum is the steadiest statistic, so it is reported next to the mean.
            AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Min, BenchmarkDotNet.Columns.StatisticColumn.Median);
            AddJob(Job.ShortRun.WithIterationCount(7).WithInvocationCount(8192).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess-8192"));
        }
    }

    private sealed class AlwaysMissCache : IDistributedCache
    {
        public byte[]? Get(string key) => null;

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult<byte[]?>(null);

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key)
        {
        }

        public Task RemoveAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
        {
        }

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Task.CompletedTask;
    }

    private sealed class PriceList : IModelCatalog
    {
        private static readonly ModelInfo Mini = new("gpt-4o-mini") { InputPricePerMillion = 0.15m, OutputPricePerMillion = 0.6m, MaxOutputTokens = 16384 };

        public IReadOnlyCollection<ModelInfo> Models { get; } = [Mini];

        public ModelInfo? Find(string modelId) => modelId == Mini.Id ? Mini : null;
    }

    /// <summary>A stand-in for the real tokenizer (another issue): one token per four characters, rounded up.</summary>
    private sealed class CharacterTokenCounter : IChatTokenCounter
    {
        public int CountInputTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null, string? modelId = null)
        {
            int chars = 0;
            foreach (var message in messages)
            {
                chars += message.Text.Length + 4;
            }

            return (chars + 3) / 4;
        }
    }
}
