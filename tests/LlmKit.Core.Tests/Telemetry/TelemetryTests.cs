using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using LlmKit.Caching;
using LlmKit.Core.Tests.Usage;
using LlmKit.Errors;
using LlmKit.Telemetry;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Core.Tests.Telemetry;

public sealed class TelemetryTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly LlmKitInstrumentation _instrumentation = new();
    private readonly ActivityListener _activityListener;
    private readonly MeterListener _meterListener = new();
    private readonly List<Activity> _spans = [];
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];

    public TelemetryTests()
    {
        // Listeners compare instances, so tests running in parallel never see each other's telemetry.
        _activityListener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, _instrumentation.ActivitySource),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (_spans) { _spans.Add(activity); } },
        };
        ActivitySource.AddActivityListener(_activityListener);
        _meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == _instrumentation.Meter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meterListener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        _meterListener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        _meterListener.Start();
    }

    public void Dispose()
    {
        _activityListener.Dispose();
        _meterListener.Dispose();
        _instrumentation.Dispose();
    }

    private TelemetryChatClient Telemetry(IChatClient inner, bool sensitive = false) =>
        new(inner, _instrumentation, new TelemetryOptions { EnableSensitiveData = sensitive }, "main", new TestCatalog(), _time);

    [Fact]
    public async Task A_call_becomes_a_chat_span_with_the_GenAI_request_response_and_usage_attributes_and_the_callers_tags()
    {
        var scripted = new ScriptedChatClient(_time, "big-model").Enqueue(
            ScriptedTurn.FromText("Paris").WithUsage(1_000, 100).WithModel("big-model-2026"));
        var options = new ChatOptions { Temperature = 0.2f, MaxOutputTokens = 256, TopP = 0.9f }
            .WithCallerTags(new CallerTags("acme", "capitals", "req-1"));

        var response = await Telemetry(new ClockAdvancingChatClient(scripted, _time, TimeSpan.FromMilliseconds(1500), TimeSpan.Zero))
            .GetResponseAsync("Capital of France?", options);

        var span = Assert.Single(_spans);
        Assert.Equal("chat big-model", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("chat", span.GetTagItem(GenAiConventions.OperationName));
        Assert.Equal("scripted", span.GetTagItem(GenAiConventions.ProviderName));
        Assert.Equal("big-model", span.GetTagItem(GenAiConventions.RequestModel));
        Assert.Equal("big-model-2026", span.GetTagItem(GenAiConventions.ResponseModel));
        Assert.Equal(response.ResponseId, span.GetTagItem(GenAiConventions.ResponseId));
        Assert.Equal(0.2f, span.GetTagItem(GenAiConventions.RequestTemperature));
        Assert.Equal(256, span.GetTagItem(GenAiConventions.RequestMaxTokens));
        Assert.Equal(0.9f, span.GetTagItem(GenAiConventions.RequestTopP));
        Assert.Equal(1_000L, span.GetTagItem(GenAiConventions.UsageInputTokens));
        Assert.Equal(100L, span.GetTagItem(GenAiConventions.UsageOutputTokens));
        Assert.Equal(new[] { "stop" }, span.GetTagItem(GenAiConventions.ResponseFinishReasons));
        Assert.Equal(("acme", "capitals", "req-1"), (span.GetTagItem(GenAiConventions.Tenant), span.GetTagItem(GenAiConventions.Feature), span.GetTagItem(GenAiConventions.RequestId)));
        Assert.Equal(false, span.GetTagItem(GenAiConventions.CacheHit));
        Assert.Null(span.GetTagItem(GenAiConventions.Cost)); // "big-model-2026" is not in the test catalog
        Assert.Null(span.GetTagItem(GenAiConventions.InputMessages));
        Assert.Null(span.GetTagItem(GenAiConventions.OutputMessages));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task Token_usage_and_operation_duration_histograms_carry_the_GenAI_tags()
    {
        var scripted = new ScriptedChatClient(_time, "big-model").Enqueue(ScriptedTurn.FromText("ok").WithUsage(1_000, 100).WithModel("big-model"));

        await Telemetry(new ClockAdvancingChatClient(scripted, _time, TimeSpan.FromMilliseconds(1500), TimeSpan.Zero)).GetResponseAsync("q");

        var tokens = _measurements.Where(m => m.Instrument == GenAiConventions.TokenUsageMetric).ToList();
        Assert.Equal([(1_000d, "input"), (100d, "output")], tokens.Select(m => (m.Value, (string)m.Tags[GenAiConventions.TokenType]!)));
        var duration = Assert.Single(_measurements, m => m.Instrument == GenAiConventions.OperationDurationMetric);
        Assert.Equal(1.5, duration.Value);
        Assert.All(tokens.Append(duration), m =>
        {
            Assert.Equal("chat", m.Tags[GenAiConventions.OperationName]);
            Assert.Equal("scripted", m.Tags[GenAiConventions.ProviderName]);
            Assert.Equal("big-model", m.Tags[GenAiConventions.RequestModel]);
            Assert.Equal("big-model", m.Tags[GenAiConventions.ResponseModel]);
            Assert.False(m.Tags.ContainsKey(GenAiConventions.Tenant)); // caller tags stay off metrics: unbounded cardinality
        });
        var cost = Assert.Single(_measurements, m => m.Instrument == GenAiConventions.CostMetric);
        Assert.Equal(0.013, cost.Value, 9);
        Assert.Equal(0.013, (double)_spans.Single().GetTagItem(GenAiConventions.Cost)!, 9);
    }

    [Fact]
    public async Task A_stream_reports_time_to_first_chunk_on_the_span_and_as_a_histogram()
    {
        var scripted = new ScriptedChatClient(_time, "big-model").Enqueue(ScriptedTurn.FromText("a b c").WithUsage(5, 3));
        var slow = new ClockAdvancingChatClient(scripted, _time, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(100));

        await Telemetry(slow).GetStreamingResponseAsync("q").ToListAsync();

        var span = Assert.Single(_spans);
        Assert.Equal(0.4, span.GetTagItem(GenAiConventions.TimeToFirstChunk));
        Assert.Equal(3L, span.GetTagItem(GenAiConventions.UsageOutputTokens));
        Assert.Equal(0.4, Assert.Single(_measurements, m => m.Instrument == GenAiConventions.TimeToFirstChunkMetric).Value);
        Assert.Equal(0.7, Assert.Single(_measurements, m => m.Instrument == GenAiConventions.OperationDurationMetric).Value, 9);
    }

    [Fact]
    public async Task Message_content_is_recorded_only_when_the_user_opts_in()
    {
        var scripted = new ScriptedChatClient(_time).RespondToEveryRequest(_ => ScriptedTurn.FromText("Paris"));

        await Telemetry(scripted).GetResponseAsync("Capital of France?");
        await Telemetry(scripted, sensitive: true).GetResponseAsync("Capital of France?");
        await Telemetry(scripted, sensitive: true).GetStreamingResponseAsync("Capital of Spain?").ToListAsync();

        Assert.Null(_spans[0].GetTagItem(GenAiConventions.InputMessages));
        using var input = JsonDocument.Parse((string)_spans[1].GetTagItem(GenAiConventions.InputMessages)!);
        using var output = JsonDocument.Parse((string)_spans[1].GetTagItem(GenAiConventions.OutputMessages)!);
        Assert.Equal("user", input.RootElement[0].GetProperty("role").GetString());
        Assert.Equal("Capital of France?", input.RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString());
        Assert.Equal("Paris", output.RootElement[0].GetProperty("parts")[0].GetProperty("content").GetString());
        Assert.Contains("Paris", (string)_spans[2].GetTagItem(GenAiConventions.OutputMessages)!);
    }

    [Fact]
    public async Task A_failed_call_marks_the_span_as_an_error_with_its_kind_and_the_duration_metric_with_error_type()
    {
        var scripted = new ScriptedChatClient(_time).EnqueueError(LlmErrorKind.RateLimited);

        await Assert.ThrowsAsync<LlmException>(() => Telemetry(scripted).GetResponseAsync("q"));

        var span = Assert.Single(_spans);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("RateLimited", span.GetTagItem(GenAiConventions.ErrorType));
        Assert.Equal("RateLimited", Assert.Single(_measurements, m => m.Instrument == GenAiConventions.OperationDurationMetric).Tags[GenAiConventions.ErrorType]);
    }

    [Fact]
    public async Task A_cache_hit_is_marked_on_the_span_costs_nothing_and_records_no_token_usage()
    {
        var scripted = new ScriptedChatClient(_time, "big-model").Enqueue(ScriptedTurn.FromText("ok").WithUsage(1_000, 100).WithModel("big-model"));
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var client = Telemetry(new ResponseCacheChatClient(scripted, cache, instrumentation: _instrumentation));
        var options = new ChatOptions { Temperature = 0 };

        await client.GetResponseAsync("q", options);
        await client.GetResponseAsync("q", options);

        Assert.Equal([false, true], _spans.Select(s => (bool)s.GetTagItem(GenAiConventions.CacheHit)!));
        Assert.Equal(0d, _spans[1].GetTagItem(GenAiConventions.Cost));
        Assert.Null(_spans[1].GetTagItem(GenAiConventions.UsageInputTokens));
        Assert.Equal(2, _measurements.Count(m => m.Instrument == GenAiConventions.TokenUsageMetric)); // the first call only
        Assert.Equal(["miss", "hit"], _measurements.Where(m => m.Instrument == GenAiConventions.CacheRequestsMetric).Select(m => (string)m.Tags[GenAiConventions.CacheOutcome]!));
    }

    [Fact]
    public async Task The_full_pipeline_built_through_DI_reports_one_span_per_logical_call_and_usage_counters()
    {
        var services = new ServiceCollection();
        services.AddSingleton(_instrumentation);
        services.AddSingleton<Models.IModelCatalog>(new TestCatalog());
        services.AddDistributedMemoryCache();
        services.AddLlmKit()
            .UseTelemetry().UseUsageLedger().AddUsageMetrics().UseResponseCache()
            .AddChatClient("main", new ScriptedChatClient(_time, "big-model").Enqueue(ScriptedTurn.FromText("ok").WithUsage(1_000, 100)));
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        await chat.GetResponseAsync("q", new ChatOptions { Temperature = 0 }.WithCallerTags(new CallerTags("acme")));

        Assert.Equal(["response-cache", "telemetry", "usage-ledger"], chat.GetService<Pipeline.ChatPipelineDescription>()!.StageNames);

        // One root span for the logical call, one child for its one upstream call.
        Assert.Equal(2, _spans.Count);
        var root = Assert.Single(_spans, s => s.DisplayName == "chat main");
        var child = Assert.Single(_spans, s => s.DisplayName == "chat big-model");
        Assert.Equal(root.SpanId, child.ParentSpanId);
        Assert.Equal(root.GetTagItem(GenAiConventions.CallId), child.GetTagItem(GenAiConventions.CallId));
        var calls = Assert.Single(_measurements, m => m.Instrument == GenAiConventions.UsageCallsMetric);
        Assert.Equal(("acme", "succeeded"), ((string)calls.Tags[GenAiConventions.Tenant]!, (string)calls.Tags[GenAiConventions.Outcome]!));
        Assert.Equal(0.013, Assert.Single(_measurements, m => m.Instrument == GenAiConventions.UsageCostMetric).Value, 9);
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        lock (_measurements)
        {
            _measurements.Add((instrument.Name, value, copy));
        }
    }
}
