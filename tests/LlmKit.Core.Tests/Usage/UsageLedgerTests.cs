using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Usage;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Core.Tests.Usage;

public sealed class UsageLedgerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryUsageStore _store = new();

    [Fact]
    public async Task Records_one_entry_with_tokens_cost_models_finish_reason_attempt_number_and_the_callers_tags()
    {
        var answer = new ChatResponse(new ChatMessage(ChatRole.Assistant, "Paris"))
        {
            ModelId = "big-model-2026-01-01",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 1_000, OutputTokenCount = 100, CachedInputTokenCount = 400 },
        };
        var scripted = new ScriptedChatClient(_time).Enqueue(ScriptedTurn.FromResponse(answer));
        var catalog = new SnapshotCatalog();
        var ledger = new UsageLedgerChatClient(new ClockAdvancingChatClient(scripted, _time, TimeSpan.FromMilliseconds(750), TimeSpan.Zero),
            [_store], "assistant", catalog, timeProvider: _time);

        var options = new ChatOptions { ModelId = "big-model" }.WithCallerTags(new CallerTags("acme", "capitals", "req-1"));
        LlmKit.Pipeline.LlmKitCallProperties.Attempt.SetValue(options, 3); // as the resilience stage numbers its third attempt
        await ledger.GetResponseAsync("Capital of France?", options);

        var entry = Assert.Single(_store.Entries);
        Assert.Equal(("assistant", "acme", "capitals", "req-1"), (entry.ClientName, entry.Tenant, entry.Feature, entry.RequestId));
        Assert.Equal(("big-model", "big-model-2026-01-01"), (entry.RequestedModel, entry.ServedModel));
        Assert.Equal((1_000L, 100L, 400L, 0L), (entry.InputTokens, entry.OutputTokens, entry.CacheReadTokens, entry.CacheWriteTokens));
        // 600 uncached × $10/M + 400 cached × $1/M + 100 output × $30/M.
        Assert.Equal(0.006m + 0.0004m + 0.003m, entry.Cost);
        Assert.Equal(TimeSpan.FromMilliseconds(750), entry.Latency);
        Assert.Null(entry.TimeToFirstChunk);
        Assert.Equal(ChatFinishReason.Stop, entry.FinishReason);
        Assert.Equal(3, entry.Attempt);
        Assert.Equal(UsageOutcome.Succeeded, entry.Outcome);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromMilliseconds(750), entry.Timestamp);
    }

    [Fact]
    public async Task Ambient_scope_tags_apply_and_tags_on_the_call_override_them_one_by_one()
    {
        var scripted = new ScriptedChatClient(_time).RespondToEveryRequest(_ => ScriptedTurn.FromText("ok"));
        var ledger = new UsageLedgerChatClient(scripted, [_store], "assistant", timeProvider: _time);

        using (CallerTags.BeginScope(new CallerTags(Tenant: "acme", Feature: "search", RequestId: "http-7")))
        {
            await ledger.GetResponseAsync("a");
            await ledger.GetResponseAsync("b", new ChatOptions().WithCallerTags(new CallerTags(Feature: "rerank")));
            using (CallerTags.BeginScope(new CallerTags(RequestId: "job-9")))
            {
                await ledger.GetResponseAsync("c");
            }
        }

        await ledger.GetResponseAsync("d");

        Assert.Equal(
            [("acme", "search", "http-7"), ("acme", "rerank", "http-7"), ("acme", "search", "job-9"), (null, null, null)],
            _store.Entries.Select(e => (e.Tenant, e.Feature, e.RequestId)));
    }

    [Fact]
    public async Task A_stream_is_recorded_once_at_its_end_with_time_to_first_chunk_and_the_usage_of_its_last_update()
    {
        var scripted = new ScriptedChatClient(_time).Enqueue(
            ScriptedTurn.FromText("one two three").WithUsage(inputTokens: 20, outputTokens: 3).WithModel("small-model"));
        var slow = new ClockAdvancingChatClient(scripted, _time, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(100));
        var ledger = new UsageLedgerChatClient(slow, [_store], "assistant", new TestCatalog(), timeProvider: _time);

        int seen = 0;
        await foreach (var update in ledger.GetStreamingResponseAsync("count"))
        {
            seen++;
            Assert.Empty(_store.Entries); // nothing is recorded before the stream ends
        }

        var entry = Assert.Single(_store.Entries);
        Assert.Equal(4, seen); // three words and the final update with usage
        Assert.True(entry.IsStreaming);
        Assert.Equal(TimeSpan.FromMilliseconds(300), entry.TimeToFirstChunk);
        Assert.Equal(TimeSpan.FromMilliseconds(600), entry.Latency);
        Assert.Equal((20L, 3L), (entry.InputTokens, entry.OutputTokens));
        Assert.Equal("small-model", entry.ServedModel);
        Assert.Equal((20 * 1m + 3 * 3m) / 1_000_000m, entry.Cost);
    }

    [Fact]
    public async Task A_failed_call_is_recorded_once_with_its_error_kind_and_the_exception_still_reaches_the_caller()
    {
        var scripted = new ScriptedChatClient(_time)
            .EnqueueError(LlmErrorKind.Overloaded)
            .Enqueue(ScriptedTurn.FromText("a b c").FailingAfter(2));
        var ledger = new UsageLedgerChatClient(scripted, [_store], "assistant", timeProvider: _time);

        var thrown = await Assert.ThrowsAsync<LlmException>(() => ledger.GetResponseAsync("x"));
        var streamed = await Assert.ThrowsAsync<LlmException>(async () =>
        {
            await foreach (var _ in ledger.GetStreamingResponseAsync("y"))
            {
            }
        });

        Assert.Equal(LlmErrorKind.Overloaded, thrown.Kind);
        Assert.Equal(LlmErrorKind.Network, streamed.Kind);
        Assert.Equal(
            [(UsageOutcome.Failed, LlmErrorKind.Overloaded, false), (UsageOutcome.Failed, LlmErrorKind.Network, true)],
            _store.Entries.Select(e => (e.Outcome, e.ErrorKind!.Value, e.IsStreaming)));
    }

    [Fact]
    public async Task Cancelled_calls_and_streams_the_caller_stopped_reading_are_recorded_as_cancelled()
    {
        var scripted = new ScriptedChatClient(_time)
            .Enqueue(ScriptedTurn.FromText("never").After(TimeSpan.FromSeconds(5)))
            .Enqueue(ScriptedTurn.FromText("one two three four"));
        var ledger = new UsageLedgerChatClient(scripted, [_store], "assistant", timeProvider: _time);

        using var cts = new CancellationTokenSource();
        var pending = ledger.GetResponseAsync("slow", cancellationToken: cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);

        await foreach (var _ in ledger.GetStreamingResponseAsync("stop early"))
        {
            break;
        }

        Assert.Equal([UsageOutcome.Cancelled, UsageOutcome.Cancelled], _store.Entries.Select(e => e.Outcome));
        Assert.Null(_store.Entries[0].ErrorKind);
    }

    [Fact]
    public async Task With_failed_calls_turned_off_only_answered_calls_are_recorded()
    {
        var scripted = new ScriptedChatClient(_time).EnqueueError(LlmErrorKind.ServerError).EnqueueText("ok");
        var ledger = new UsageLedgerChatClient(scripted, [_store], "assistant", options: new UsageLedgerOptions { RecordFailedCalls = false }, timeProvider: _time);

        await Assert.ThrowsAsync<LlmException>(() => ledger.GetResponseAsync("x"));
        await ledger.GetResponseAsync("y");

        Assert.Equal([UsageOutcome.Succeeded], _store.Entries.Select(e => e.Outcome));
    }

    [Fact]
    public async Task A_sink_that_throws_is_logged_and_neither_fails_the_call_nor_starves_the_other_sinks()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var scripted = new ScriptedChatClient(_time).EnqueueText("fine");
        var ledger = new UsageLedgerChatClient(scripted, [new ThrowingSink(), _store], "assistant", timeProvider: _time,
            logger: factory.CreateLogger<UsageLedgerChatClient>());

        var response = await ledger.GetResponseAsync("hi");

        Assert.Equal("fine", response.Text);
        Assert.Single(_store.Entries);
        Assert.Contains(logs.Events, e => e.Level == LogLevel.Error && e.Message.Contains("ThrowingSink"));
    }

    [Fact]
    public async Task A_model_missing_from_the_catalog_has_no_cost_rather_than_a_guessed_one()
    {
        var scripted = new ScriptedChatClient(_time).Enqueue(ScriptedTurn.FromText("x").WithUsage(10, 10).WithModel("mystery"));
        var ledger = new UsageLedgerChatClient(scripted, [_store], "assistant", new TestCatalog(), timeProvider: _time);

        await ledger.GetResponseAsync("hi");

        Assert.Null(Assert.Single(_store.Entries).Cost);
        Assert.Equal(0m, _store.TotalCost());
    }

    [Fact]
    public async Task Registered_through_DI_the_ledger_feeds_the_in_memory_store_and_a_structured_log_event_per_call()
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        services.AddSingleton<Models.IModelCatalog>(new TestCatalog());
        services.AddLlmKit()
            .UseUsageLedger()
            .AddInMemoryUsageStore()
            .AddUsageLogging()
            .AddChatClient("main", new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("hi").WithUsage(1_000, 100).WithModel("big-model")));

        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IChatClient>().GetResponseAsync("x", new ChatOptions().WithCallerTags(new CallerTags("acme")));

        var store = provider.GetRequiredService<IUsageStore>();
        var entries = await store.QueryAsync(new UsageQuery(Tenant: "acme")).ToListAsync();
        Assert.Equal(0.013m, Assert.Single(entries).Cost);
        var logged = Assert.Single(logs.Events, e => e.EventId == LoggerUsageSink.UsageEventId);
        Assert.Equal("LlmKit.Usage", logged.Category);
        Assert.Contains(new KeyValuePair<string, object?>("Tenant", "acme"), logged.State);
        Assert.Contains(new KeyValuePair<string, object?>("Cost", 0.013m), logged.State);
    }

    [Fact]
    public async Task The_in_memory_store_keeps_the_newest_entries_up_to_its_capacity_and_counts_what_it_dropped()
    {
        var store = new InMemoryUsageStore(capacity: 2);
        foreach (string tenant in new[] { "a", "b", "c" })
        {
            await store.WriteAsync(new UsageEntry { Timestamp = _time.GetUtcNow(), ClientName = "x", Tenant = tenant, Cost = 1m }, default);
        }

        Assert.Equal(["b", "c"], store.Entries.Select(e => e.Tenant));
        Assert.Equal(1, store.DroppedCount);
        Assert.Equal(1m, store.TotalCost(new UsageQuery(Tenant: "c")));
    }

    private sealed class ThrowingSink : IUsageSink
    {
        public ValueTask WriteAsync(UsageEntry entry, CancellationToken cancellationToken) => throw new InvalidOperationException("disk full");
    }

    /// <summary>Resolves dated snapshots to their family, as the real catalog does.</summary>
    private sealed class SnapshotCatalog : Models.IModelCatalog
    {
        public IReadOnlyCollection<Models.ModelInfo> Models => [TestCatalog.Big];

        public Models.ModelInfo? Find(string modelId) => modelId.StartsWith("big-model", StringComparison.Ordinal) ? TestCatalog.Big : null;
    }
}
