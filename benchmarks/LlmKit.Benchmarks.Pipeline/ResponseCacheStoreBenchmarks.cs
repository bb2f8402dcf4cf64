using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LlmKit.Caching;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Benchmarks.Pipeline;

/// <summary>
/// One response-cache hit through each store the stage can use: an <see cref="IDistributedCache"/>
/// (<see cref="MemoryDistributedCache"/>, the reference) and a <see cref="HybridCache"/> (Microsoft.Extensions.Caching.Hybrid,
/// served from its in-process tier). Same request and answer as <see cref="StageOverheadBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class ResponseCacheStoreBenchmarks
{
    private readonly List<ChatMessage> _messages =
    [
        new(ChatRole.System, "You are a concise assistant for a travel agency. Answer in one sentence, cite no sources, and never speculate."),
        new(ChatRole.User, "What is the capital of France? I am planning a trip in the spring and would like to know where to land."),
    ];

    private readonly ChatOptions _options = new ChatOptions { ModelId = "gpt-4o-mini", Temperature = 0, MaxOutputTokens = 256 }
        .WithCallerTags(new CallerTags("acme", "travel", "req-1"));

    private ServiceProvider _services = null!;
    private IChatClient _distributedHit = null!;
    private IChatClient _hybridHit = null!;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        var model = new ScriptedChatClient(modelId: "gpt-4o-mini")
            .RespondToEveryRequest(_ => ScriptedTurn.FromText("The capital of France is Paris.").WithUsage(120, 8).WithModel("gpt-4o-mini"));
        _distributedHit = new ResponseCacheChatClient(model, new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())), clientName: "main");
        _hybridHit = new ResponseCacheChatClient(model, _services.GetRequiredService<HybridCache>(), clientName: "main");
        foreach (var client in new[] { _distributedHit, _hybridHit })
        {
            var warm = client.GetResponseAsync(_messages, _options).GetAwaiter().GetResult();
            if (!client.GetResponseAsync(_messages, _options).GetAwaiter().GetResult().IsCacheHit() || warm.IsCacheHit())
            {
                throw new InvalidOperationException("The benchmark must measure hits.");
            }
        }
    }

    [GlobalCleanup]
    public void GlobalCleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "hit via IDistributedCache (MemoryDistributedCache)")]
    public Task<ChatResponse> DistributedHit() => _distributedHit.GetResponseAsync(_messages, _options);

    [Benchmark(Description = "hit via HybridCache (local tier)")]
    public Task<ChatResponse> HybridHit() => _hybridHit.GetResponseAsync(_messages, _options);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // Short and in-process: the machine is shared. Under load the minimum is the steadiest statistic.
            AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Min, BenchmarkDotNet.Columns.StatisticColumn.Median);
            AddJob(Job.ShortRun.WithIterationCount(7).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"));
        }
    }
}
