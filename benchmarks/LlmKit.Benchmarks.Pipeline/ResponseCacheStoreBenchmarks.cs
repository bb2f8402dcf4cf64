using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using LlmKit.Caching;
using LlmKit.Testing;
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
    // The request and answer of StageOverheadBenchmarks, so the hit costs compare across the two suites.
    private readonly List<ChatMessage> _messages = StageOverheadBenchmarks.Request();
    private readonly ChatOptions _options = StageOverheadBenchmarks.RequestOptions();

    private ServiceProvider _services = null!;
    private IChatClient _distributedHit = null!;
    private IChatClient _hybridHit = null!;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
        var model = new ScriptedChatClient(modelId: "gpt-4o-mini")
            .RespondToEveryRequest(_ => StageOverheadBenchmarks.Answer);
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
