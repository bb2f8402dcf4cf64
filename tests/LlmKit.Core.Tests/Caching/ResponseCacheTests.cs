using System.Diagnostics.Metrics;
using LlmKit.Caching;
using LlmKit.Telemetry;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmKit.Core.Tests.Caching;

/// <summary>The response cache's contract, over IDistributedCache here and over HybridCache in <see cref="HybridResponseCacheTests"/>.</summary>
public class ResponseCacheTests : IDisposable
{
    private readonly MemoryDistributedCache _cache = new(Options.Create(new MemoryDistributedCacheOptions()));
    private readonly LlmKitInstrumentation _instrumentation = new();
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _counts = [];

    public ResponseCacheTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == _instrumentation.Meter && instrument.Name == GenAiConventions.CacheRequestsMetric)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string outcome = (string)tags.ToArray().Single(t => t.Key == GenAiConventions.CacheOutcome).Value!;
            lock (_counts)
            {
                _counts[outcome] = _counts.GetValueOrDefault(outcome) + value;
            }
        });
        _listener.Start();
    }

    protected static ChatOptions Deterministic => new() { Temperature = 0 };

    protected LlmKitInstrumentation Instrumentation => _instrumentation;

    protected IReadOnlyDictionary<string, long> Counts => _counts;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        _listener.Dispose();
        _instrumentation.Dispose();
    }

    protected virtual ResponseCacheChatClient Cached(IChatClient inner, ResponseCacheOptions? options = null) =>
        new(inner, _cache, options, "main", instrumentation: _instrumentation);

    [Fact]
    public async Task A_temperature_zero_request_is_answered_from_the_cache_the_second_time_and_counted_as_a_hit()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("Paris").WithUsage(12, 1).WithModel("big-model"));
        var client = Cached(scripted);

        var first = await client.GetResponseAsync("Capital of France?", Deterministic);
        var second = await client.GetResponseAsync("Capital of France?", Deterministic);

        Assert.Single(scripted.Requests);
        Assert.False(first.IsCacheHit());
        Assert.True(second.IsCacheHit());
        Assert.Equal(("Paris", "big-model", first.ResponseId), (second.Text, second.ModelId, second.ResponseId));
        Assert.Equal(12, second.Usage!.InputTokenCount);
        Assert.Equal(new Dictionary<string, long> { ["miss"] = 1, ["hit"] = 1 }, _counts);
    }

    [Fact]
    public async Task Requests_that_are_not_deterministic_are_not_cached_unless_the_call_opts_in_and_an_opt_out_wins_over_temperature_zero()
    {
        var scripted = new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}"));
        var client = Cached(scripted);

        await client.GetResponseAsync("q");
        await client.GetResponseAsync("q");
        await client.GetResponseAsync("q", new ChatOptions { Temperature = 0.7f });
        await client.GetResponseAsync("q", new ChatOptions { Temperature = 0.7f });
        await client.GetResponseAsync("q", Deterministic.WithResponseCaching(false));
        await client.GetResponseAsync("q", Deterministic.WithResponseCaching(false));
        var optedIn = await client.GetResponseAsync("q", new ChatOptions { Temperature = 0.7f }.WithResponseCaching());
        var optedInAgain = await client.GetResponseAsync("q", new ChatOptions { Temperature = 0.7f }.WithResponseCaching());

        Assert.Equal(7, scripted.Requests.Count);
        Assert.Equal(optedIn.Text, optedInAgain.Text);
        Assert.True(optedInAgain.IsCacheHit());
        Assert.Equal(6, _counts["bypass"]);
    }

    public static TheoryData<string, ScriptedTurn> AnswersNeverCached => new()
    {
        { "refusal", ScriptedTurn.FromRefusal("I can't help with that.") },
        { "truncated", ScriptedTurn.Truncated("The answer is") },
        { "content filtered", ScriptedTurn.ContentFiltered("") },
        { "error content", ScriptedTurn.FromResponse(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new ErrorContent("upstream tool failed")]))) },
    };

    [Theory]
    [MemberData(nameof(AnswersNeverCached))]
    public async Task Refusals_truncations_content_filtered_and_error_answers_are_never_cached(string kind, ScriptedTurn turn)
    {
        var scripted = new ScriptedChatClient().Enqueue(turn, turn, turn, turn);
        var client = Cached(scripted);

        await client.GetResponseAsync("q", Deterministic);
        var again = await client.GetResponseAsync("q", Deterministic);
        await foreach (var _ in client.GetStreamingResponseAsync("q", Deterministic))
        {
        }

        await foreach (var _ in client.GetStreamingResponseAsync("q", Deterministic))
        {
        }

        Assert.False(again.IsCacheHit(), kind);
        Assert.Equal(4, scripted.Requests.Count);
    }

    [Fact]
    public async Task Exceptions_are_never_cached_the_next_identical_call_reaches_the_model()
    {
        var scripted = new ScriptedChatClient().EnqueueError(Errors.LlmErrorKind.ServerError).EnqueueText("recovered");
        var client = Cached(scripted);

        await Assert.ThrowsAsync<Errors.LlmException>(() => client.GetResponseAsync("q", Deterministic));
        var response = await client.GetResponseAsync("q", Deterministic);

        Assert.Equal("recovered", response.Text);
        Assert.Equal(2, scripted.Requests.Count);
    }

    [Fact]
    public async Task A_streamed_answer_is_stored_once_complete_and_replayed_as_the_same_stream_of_updates()
    {
        var scripted = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("Paris is the capital.").StreamedAs("Par", "is is ", "the capital.").WithUsage(8, 5));
        var client = Cached(scripted);

        var original = await client.GetStreamingResponseAsync("q", Deterministic).ToListAsync();
        var replayed = await client.GetStreamingResponseAsync("q", Deterministic).ToListAsync();
        var asWhole = await client.GetResponseAsync("q", Deterministic);

        Assert.Single(scripted.Requests);
        Assert.Equal(original.Select(u => u.Text), replayed.Select(u => u.Text));
        Assert.Equal(["Par", "is is ", "the capital.", ""], replayed.Select(u => u.Text));
        Assert.All(replayed, u => Assert.True(u.IsCacheHit()));
        Assert.Equal(5, replayed.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details.OutputTokenCount);
        Assert.Equal("Paris is the capital.", asWhole.Text);
        Assert.True(asWhole.IsCacheHit());
    }

    [Fact]
    public async Task A_non_streaming_answer_also_serves_a_later_streaming_call()
    {
        var scripted = new ScriptedChatClient().EnqueueText("forty-two");
        var client = Cached(scripted);

        await client.GetResponseAsync("q", Deterministic);
        var replayed = await client.GetStreamingResponseAsync("q", Deterministic).ToListAsync();

        Assert.Equal("forty-two", string.Concat(replayed.Select(u => u.Text)));
        Assert.Single(scripted.Requests);
    }

    [Fact]
    public async Task A_stream_that_fails_midway_or_that_the_caller_abandons_is_not_cached()
    {
        var scripted = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromText("a b c").FailingAfter(2))
            .Enqueue(ScriptedTurn.FromText("a b c"))
            .Enqueue(ScriptedTurn.FromText("a b c"));
        var client = Cached(scripted);

        await Assert.ThrowsAsync<Errors.LlmException>(async () =>
        {
            await foreach (var _ in client.GetStreamingResponseAsync("q", Deterministic))
            {
            }
        });
        await foreach (var _ in client.GetStreamingResponseAsync("q", Deterministic))
        {
            break;
        }

        var complete = await client.GetResponseAsync("q", Deterministic);

        Assert.False(complete.IsCacheHit());
        Assert.Equal(3, scripted.Requests.Count);
    }

    [Fact]
    public async Task The_key_covers_messages_model_options_tools_and_prompt_version_but_not_caller_tags_or_property_order()
    {
        var scripted = new ScriptedChatClient(modelId: "default-model").RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}"));
        var client = Cached(scripted, new ResponseCacheOptions { PromptVersion = "v1" });
        var tool = AIFunctionFactory.Create((string city) => "sunny", "weather", "Gets the weather.");
        var otherTool = AIFunctionFactory.Create((string city, int days) => "sunny", "weather", "Gets the weather.");

        ChatOptions With(Action<ChatOptions> change)
        {
            var options = new ChatOptions { Temperature = 0, AdditionalProperties = new() { ["a"] = 1, ["b"] = 2 } };
            change(options);
            return options;
        }

        string baseline = (await client.GetResponseAsync("q", With(_ => { }))).Text;
        var same = new[]
        {
            await client.GetResponseAsync("q", With(o => o.AdditionalProperties = new() { ["b"] = 2, ["a"] = 1 })),
            await client.GetResponseAsync("q", With(o => o.WithCallerTags(new CallerTags("another-tenant", "f", "r")))),
            await client.GetResponseAsync("q", With(o => o.ModelId = "default-model")),
            await client.GetResponseAsync("q", With(o => o.WithPromptVersion("v1"))),
        };
        var different = new[]
        {
            await client.GetResponseAsync("q2", With(_ => { })),
            await client.GetResponseAsync([new ChatMessage(ChatRole.System, "be brief"), new ChatMessage(ChatRole.User, "q")], With(_ => { })),
            await client.GetResponseAsync("q", With(o => o.ModelId = "other-model")),
            await client.GetResponseAsync("q", With(o => o.MaxOutputTokens = 10)),
            await client.GetResponseAsync("q", With(o => o.AdditionalProperties!["a"] = 3)),
            await client.GetResponseAsync("q", With(o => o.WithPromptVersion("v2"))),
            await client.GetResponseAsync("q", With(o => o.Tools = [tool])),
            await client.GetResponseAsync("q", With(o => o.Tools = [otherTool])),
            await client.GetResponseAsync("q", With(o => o.ResponseFormat = ChatResponseFormat.Json)),
        };

        Assert.All(same, r => Assert.Equal(baseline, r.Text));
        Assert.Equal(different.Length, different.Select(r => r.Text).Append(baseline).Distinct().Count() - 1);
        Assert.Equal(1 + different.Length, scripted.Requests.Count);
    }

    [Fact]
    public async Task A_cache_that_fails_is_bypassed_and_the_call_still_succeeds()
    {
        var scripted = new ScriptedChatClient().RespondToEveryRequest(_ => ScriptedTurn.FromText("ok"));
        var client = new ResponseCacheChatClient(scripted, new BrokenCache());

        var first = await client.GetResponseAsync("q", Deterministic);
        var second = await client.GetResponseAsync("q", Deterministic);

        Assert.Equal(("ok", "ok"), (first.Text, second.Text));
        Assert.Equal(2, scripted.Requests.Count);
    }

    [Fact]
    public async Task A_client_whose_configured_default_temperature_is_zero_caches_calls_that_leave_it_unset()
    {
        var scripted = new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText($"answer {r.Index}"));
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:Clients:main:Temperature"] = "0",
            ["LlmKit:ResponseCache:PromptVersion"] = "v7",
        }).Build());
        services.AddDistributedMemoryCache();
        services.AddLlmKit().UseResponseCache().AddChatClient("main", scripted);
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        var first = await chat.GetResponseAsync("q");
        var second = await chat.GetResponseAsync("q");

        Assert.Equal(first.Text, second.Text);
        Assert.True(second.IsCacheHit());
        Assert.Equal(0f, scripted.Requests.Single().Options!.Temperature);
        Assert.Equal("v7", provider.GetRequiredService<IOptionsMonitor<ResponseCacheOptions>>().Get(Options.DefaultName).PromptVersion);
    }

    [Fact]
    public void The_stage_without_an_IDistributedCache_fails_with_instructions_and_bad_settings_name_their_key()
    {
        var services = new ServiceCollection();
        services.AddLlmKit().UseResponseCache(o => o.Expiration = TimeSpan.Zero).AddChatClient("main", new ScriptedChatClient());
        using var provider = services.BuildServiceProvider();

        var missing = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        var invalid = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<ResponseCacheOptions>>().Get(Options.DefaultName));

        Assert.Contains("AddDistributedMemoryCache", missing.Message);
        Assert.Contains("LlmKit:ResponseCache:Expiration must be positive", invalid.Message);
    }

    private sealed class BrokenCache : IDistributedCache
    {
        public byte[]? Get(string key) => throw new IOException("cache down");

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => throw new IOException("cache down");

        public void Refresh(string key) => throw new IOException("cache down");

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new IOException("cache down");

        public void Remove(string key) => throw new IOException("cache down");

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new IOException("cache down");

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new IOException("cache down");

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => throw new IOException("cache down");
    }
}
