using System.Diagnostics;
using LlmKit.Caching;
using LlmKit.Errors;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Core.Tests.Caching;

/// <summary>
/// The response cache over a real <see cref="HybridCache"/> (Microsoft.Extensions.Caching.Hybrid's implementation): every
/// test of <see cref="ResponseCacheTests"/> again, plus what only HybridCache gives: coalescing and tags.
/// </summary>
public sealed class HybridResponseCacheTests : ResponseCacheTests
{
    private readonly ServiceProvider _services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();

    private HybridCache Hybrid => _services.GetRequiredService<HybridCache>();

    protected override ResponseCacheChatClient Cached(IChatClient inner, ResponseCacheOptions? options = null) =>
        new(inner, Hybrid, options, "main", instrumentation: Instrumentation);

    protected override void Dispose(bool disposing)
    {
        _services.Dispose();
        base.Dispose(disposing);
    }

    [Fact]
    public async Task A_hundred_concurrent_identical_calls_reach_the_model_once_and_the_other_ninety_nine_are_hits()
    {
        var model = new GatedChatClient(new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}").WithUsage(10, 2)));
        var client = Cached(model);

        // Every call is issued while the model is held, so all of them are in flight together.
        var calls = Enumerable.Range(0, 100).Select(_ => client.GetResponseAsync("Capital of France?", Deterministic)).ToList();
        model.Open();
        var responses = await Task.WhenAll(calls);

        Assert.Equal(1, model.Calls);
        Assert.All(responses, r => Assert.Equal("answer 0", r.Text));
        Assert.Equal(99, responses.Count(r => r.IsCacheHit()));
        Assert.Equal(new Dictionary<string, long> { ["miss"] = 1, ["hit"] = 99 }, Counts);
        // Each caller got its own copy: marking one answer cannot change another caller's.
        Assert.Equal(100, responses.Distinct().Count());
    }

    [Fact]
    public async Task Without_HybridCache_the_same_hundred_concurrent_calls_each_reach_the_model()
    {
        // The reason to register a HybridCache: IDistributedCache stores finished answers only.
        var model = new GatedChatClient(new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}")));
        var client = new ResponseCacheChatClient(model, new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));

        var calls = Enumerable.Range(0, 100).Select(_ => client.GetResponseAsync("Capital of France?", Deterministic)).ToList();
        model.Open();
        await Task.WhenAll(calls);

        Assert.Equal(100, model.Calls);
    }

    [Fact]
    public async Task Callers_that_joined_a_failing_call_share_its_error_and_the_next_call_asks_the_model_again()
    {
        var model = new GatedChatClient(new ScriptedChatClient().EnqueueError(LlmErrorKind.Overloaded).EnqueueText("recovered"));
        var client = Cached(model);

        var calls = Enumerable.Range(0, 10).Select(_ => client.GetResponseAsync("q", Deterministic)).ToList();
        model.Open();
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<LlmException>(() => call);
            Assert.Equal(LlmErrorKind.Overloaded, error.Kind);
        }

        var after = await client.GetResponseAsync("q", Deterministic);
        Assert.Equal(("recovered", false), (after.Text, after.IsCacheHit()));
        Assert.Equal(2, model.Calls);
    }

    [Fact]
    public async Task Callers_that_joined_a_call_share_an_answer_that_is_not_stored_and_a_later_call_asks_again()
    {
        var model = new GatedChatClient(new ScriptedChatClient().Enqueue(ScriptedTurn.Truncated("The answer is")).EnqueueText("The answer is 42."));
        var client = Cached(model);

        var calls = Enumerable.Range(0, 10).Select(_ => client.GetResponseAsync("q", Deterministic)).ToList();
        model.Open();
        var responses = await Task.WhenAll(calls);

        Assert.All(responses, r => Assert.Equal(("The answer is", ChatFinishReason.Length), (r.Text, r.FinishReason)));
        Assert.Equal(9, responses.Count(r => r.IsCacheHit()));
        Assert.Equal("The answer is 42.", (await client.GetResponseAsync("q", Deterministic)).Text);
        Assert.Equal(2, model.Calls);
    }

    [Fact]
    public async Task The_caller_whose_call_reached_the_model_may_cancel_without_cancelling_it_for_the_callers_still_waiting()
    {
        var model = new GatedChatClient(new ScriptedChatClient().EnqueueText("shared answer"));
        var client = Cached(model);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();

        var leaving = client.GetResponseAsync("q", Deterministic, first.Token);
        var staying = client.GetResponseAsync("q", Deterministic, second.Token);
        await model.Entered;
        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        model.Open();

        Assert.Equal("shared answer", (await staying).Text);
        Assert.Equal(1, model.Calls);
        Assert.False(model.SawCancellation);
    }

    [Fact]
    public async Task The_model_call_of_a_miss_runs_in_the_callers_context_with_its_caller_tags_and_trace()
    {
        // A cancellable token makes HybridCache run the call on a thread-pool item that does not flow the caller's context.
        var model = new GatedChatClient(new ScriptedChatClient().EnqueueText("ok"));
        var client = Cached(model);
        using var source = new ActivitySource("llmkit-test-hybrid-context");
        using var listener = new ActivityListener { ShouldListenTo = s => s == source, Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData };
        ActivitySource.AddActivityListener(listener);
        using var cancellation = new CancellationTokenSource();

        Task<ChatResponse> call;
        using (var activity = source.StartActivity("request"))
        using (CallerTags.BeginScope(new CallerTags("tenant-a", "support", "req-1")))
        {
            call = client.GetResponseAsync("q", Deterministic, cancellation.Token);
            model.Open();
            await call;
            Assert.Equal(activity!.TraceId, model.SeenTraceId);
        }

        Assert.Equal(new CallerTags("tenant-a", "support", "req-1"), model.SeenCallerTags);
    }

    [Fact]
    public async Task Removing_a_prompt_version_tag_retires_that_versions_answers_and_keeps_the_others()
    {
        var model = new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}"));
        var client = Cached(model);

        await client.GetResponseAsync("q", Deterministic.WithPromptVersion("v1"));
        await client.GetResponseAsync("q", Deterministic.WithPromptVersion("v2"));
        await Hybrid.RemoveByTagAsync(ResponseCacheTags.ForPromptVersion("v1"));
        var v1 = await client.GetResponseAsync("q", Deterministic.WithPromptVersion("v1"));
        var v2 = await client.GetResponseAsync("q", Deterministic.WithPromptVersion("v2"));

        Assert.Equal(("answer 2", false), (v1.Text, v1.IsCacheHit()));
        Assert.Equal(("answer 1", true), (v2.Text, v2.IsCacheHit()));
        Assert.Equal(3, model.Requests.Count);
    }

    [Fact]
    public async Task Streamed_answers_are_tagged_too()
    {
        var model = new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}").StreamedAs("answer ", $"{r.Index}"));
        var client = Cached(model, new ResponseCacheOptions { PromptVersion = "v1" });

        await client.GetStreamingResponseAsync("q", Deterministic).ToListAsync();
        Assert.True((await client.GetResponseAsync("q", Deterministic)).IsCacheHit());
        await Hybrid.RemoveByTagAsync(ResponseCacheTags.ForClient("main"));

        Assert.False((await client.GetResponseAsync("q", Deterministic)).IsCacheHit());
        Assert.Equal(2, model.Requests.Count);
    }

    [Fact]
    public async Task Two_replicas_with_their_own_HybridCache_over_one_distributed_cache_share_answers()
    {
        var shared = new SharedDistributedCache();
        var model = new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}"));
        using var replicaA = ReplicaServices(shared);
        using var replicaB = ReplicaServices(shared);

        var first = await new ResponseCacheChatClient(model, replicaA.GetRequiredService<HybridCache>(), clientName: "main").GetResponseAsync("q", Deterministic);
        var second = await new ResponseCacheChatClient(model, replicaB.GetRequiredService<HybridCache>(), clientName: "main").GetResponseAsync("q", Deterministic);

        Assert.Equal((first.Text, true), (second.Text, second.IsCacheHit()));
        Assert.Single(model.Requests);
    }

    [Fact]
    public async Task The_stage_uses_the_registered_HybridCache_rather_than_the_IDistributedCache()
    {
        var model = new GatedChatClient(new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}")));
        var services = new ServiceCollection();
        services.AddDistributedMemoryCache();
        services.AddHybridCache();
        services.AddLlmKit().UseResponseCache().AddChatClient("gpt", model);
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        var calls = Enumerable.Range(0, 20).Select(_ => chat.GetResponseAsync("q", Deterministic)).ToList();
        model.Open();
        await Task.WhenAll(calls);
        await provider.GetRequiredService<HybridCache>().RemoveByTagAsync(ResponseCacheTags.ForClient("gpt"));
        var afterRemoval = await chat.GetResponseAsync("q", Deterministic);

        Assert.False(afterRemoval.IsCacheHit());
        Assert.Equal(2, model.Calls);
    }

    private static ServiceProvider ReplicaServices(IDistributedCache shared)
    {
        var services = new ServiceCollection();
        services.AddSingleton(shared);
        services.AddHybridCache();
        return services.BuildServiceProvider();
    }

    /// <summary>Holds every model call until <see cref="Open"/>; counts them and what each saw.</summary>
    private sealed class GatedChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task Entered => _entered.Task;

        public bool SawCancellation { get; private set; }

        public CallerTags? SeenCallerTags { get; private set; }

        public ActivityTraceId? SeenTraceId { get; private set; }

        public void Open() => _gate.TrySetResult();

        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            SeenCallerTags = CallerTags.Current;
            SeenTraceId = Activity.Current?.TraceId;
            _entered.TrySetResult();
            await _gate.Task;
            SawCancellation |= cancellationToken.IsCancellationRequested;
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
    }

    /// <summary>A distributed cache HybridCache treats as remote (it skips a plain MemoryDistributedCache as its own twin).</summary>
    private sealed class SharedDistributedCache : IDistributedCache
    {
        private readonly MemoryDistributedCache _inner = new(Options.Create(new MemoryDistributedCacheOptions()));

        public byte[]? Get(string key) => _inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => _inner.GetAsync(key, token);

        public void Refresh(string key) => _inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

        public void Remove(string key) => _inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => _inner.RemoveAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => _inner.SetAsync(key, value, options, token);
    }
}
