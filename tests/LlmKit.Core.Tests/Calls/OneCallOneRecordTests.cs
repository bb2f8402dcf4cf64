using System.Diagnostics;
using System.Diagnostics.Metrics;
using LlmKit.Budgets;
using LlmKit.ChatCompletion;
using LlmKit.Core.Tests.StructuredOutput;
using LlmKit.Core.Tests.Tools;
using LlmKit.Core.Tests.Usage;
using LlmKit.DependencyInjection;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Pipeline;
using LlmKit.StructuredOutput;
using LlmKit.Telemetry;
using LlmKit.Testing;
using LlmKit.Tokens;
using LlmKit.Tools;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Core.Tests.Calls;

/// <summary>
/// The pipeline's promise, path by path: every upstream call is recorded once in the ledger, reserved and settled once
/// by the budget and traced once as a child of its logical call's root span, and a logical call's records add up to
/// exactly what the caller was served.
/// </summary>
public sealed class OneCallOneRecordTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly LlmKitInstrumentation _instrumentation = new();
    private readonly ActivityListener _activityListener;
    private readonly MeterListener _meterListener = new();
    private readonly List<Activity> _spans = [];
    private readonly List<(string Instrument, double Value, string? TokenType)> _measurements = [];
    private readonly CountingBudgetStore _budget;

    public OneCallOneRecordTests()
    {
        _budget = new CountingBudgetStore(new InMemoryBudgetStore());
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

    [Fact]
    public async Task A_fallback_after_a_503_is_two_upstream_entries_one_logical_call_one_root_span_and_tokens_counted_once()
    {
        var main = new ScriptedChatClient(_time, "big-model").Enqueue(ScriptedTurn.FromError(LlmErrorKind.Overloaded, statusCode: 503));
        var backup = new ScriptedChatClient(_time, "small-model").Enqueue(ScriptedTurn.FromText("served by backup").WithUsage(1_200, 300).WithModel("small-model"));
        await using var provider = Build(kit =>
        {
            kit.AddChatClient("main", main).UseResilience(o =>
            {
                o.Retry.MaxRetryAttempts = 0;
                o.CircuitBreaker.Enabled = false;
                o.Fallback.ClientNames.Add("backup");
            });
            kit.AddChatClient("backup", backup);
        });

        var response = await provider.GetRequiredKeyedService<IChatClient>("main").GetResponseAsync("Hello?", Tagged());

        Assert.Equal("served by backup", response.Text);
        var entries = Ledger(provider);
        Assert.Equal(
            [("main", UsageRoute.Primary, UsageOutcome.Failed), ("backup", UsageRoute.Fallback, UsageOutcome.Succeeded)],
            entries.Select(e => (e.ClientName, e.Route, e.Outcome)));
        Assert.Single(entries.Select(e => e.LogicalCallId).Distinct());
        Assert.NotNull(entries[0].LogicalCallId);

        // The entries add up to exactly what the served answer used: nothing counted twice.
        Assert.Equal((1_200L, 300L), (entries.Sum(e => e.InputTokens), entries.Sum(e => e.OutputTokens)));
        Assert.Equal((1_200 * 1m + 300 * 3m) / 1_000_000m, entries.Sum(e => e.Cost ?? 0m));

        // One root span with one child per upstream call.
        var root = Assert.Single(_spans, s => s.Kind == ActivityKind.Internal);
        var children = _spans.Where(s => s.Kind == ActivityKind.Client).ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal(root.SpanId, c.ParentSpanId));
        Assert.Equal(2, root.GetTagItem(GenAiConventions.UpstreamCalls));

        // Token metrics recorded once: the failed call reported no usage, the served one its 1,200 + 300.
        Assert.Equal([("input", 1_200d), ("output", 300d)], TokenMeasurements());

        // Each upstream call reserved once and closed once: the failed one released, the served one settled.
        Assert.Equal((2, 1, 1), (_budget.Reserves, _budget.Settles, _budget.Releases));
    }

    [Fact]
    public async Task A_budget_downgrade_is_one_upstream_entry_on_the_cheaper_client()
    {
        var big = new ScriptedChatClient(_time, "big-model").RespondToEveryRequest(_ => ScriptedTurn.FromText("big").WithUsage(10, 90).WithModel("big-model"));
        var small = new ScriptedChatClient(_time, "small-model").RespondToEveryRequest(_ => ScriptedTurn.FromText("small").WithUsage(10, 90).WithModel("small-model"));
        await using var provider = Build(
            kit =>
            {
                kit.AddChatClient("main", big);
                kit.AddChatClient("mini", small);
            },
            budgets: b => { b.MaxCostPerCall = 0.001m; b.DowngradeTo = "mini"; });

        var response = await provider.GetRequiredKeyedService<IChatClient>("main").GetResponseAsync("0123456789", Tagged(maxOutputTokens: 90));

        Assert.Equal("small", response.Text);
        Assert.Empty(big.Requests);
        var entry = Assert.Single(Ledger(provider));
        Assert.Equal(("mini", UsageRoute.Downgrade, UsageOutcome.Succeeded, "small-model"), (entry.ClientName, entry.Route, entry.Outcome, entry.ServedModel));
        Assert.Single(_spans, s => s.Kind == ActivityKind.Client);
        Assert.Equal((1, 1, 0), (_budget.Reserves, _budget.Settles, _budget.Releases)); // the refusal on "main" reserved nothing
    }

    [Fact]
    public async Task A_three_turn_tool_loop_leaves_the_same_records_whether_started_by_GetResponseAsync_or_RunToolsAsync()
    {
        var viaGetResponse = await RunThreeTurnLoopAsync(useRunTools: false);
        var viaRunTools = await RunThreeTurnLoopAsync(useRunTools: true);

        Assert.Equal(viaGetResponse, viaRunTools);
        Assert.Equal(3, viaGetResponse.Entries.Count);
        Assert.Equal([1, 2, 3], viaGetResponse.Entries.Select(e => e.ToolTurn));
        Assert.Equal((3, 3, 0), viaGetResponse.Budget);
        Assert.Equal((1, 3), viaGetResponse.Spans);
    }

    [Fact]
    public async Task A_structured_output_reask_is_two_upstream_entries_under_one_logical_call()
    {
        var model = new ScriptedChatClient(_time, "big-model").Enqueue(
            ScriptedTurn.FromText("""{"name":"Ada","age":400}""").WithUsage(100, 10).WithModel("big-model"),
            ScriptedTurn.FromText("""{"name":"Ada","age":36}""").WithUsage(150, 10).WithModel("big-model"));
        await using var provider = Build(kit => kit.AddChatClient("main", model));

        var result = await provider.GetRequiredService<IChatClient>().GetObjectAsync<Person>(
            "Ada, 36", new StructuredOutputOptions { Strategy = StructuredOutputStrategy.Prompt, ChatOptions = Tagged() });

        Assert.True(result.IsSuccess);
        Assert.Equal(2, result.Attempts);
        var entries = Ledger(provider);
        Assert.Equal([0, 1], entries.Select(e => e.Reask));
        Assert.Single(entries.Select(e => e.LogicalCallId).Distinct());
        var root = Assert.Single(_spans, s => s.Kind == ActivityKind.Internal);
        Assert.Equal("structured_output", root.GetTagItem(GenAiConventions.CallKind));
        Assert.All(_spans.Where(s => s.Kind == ActivityKind.Client), c => Assert.Equal(root.SpanId, c.ParentSpanId));
        Assert.Equal((2, 2, 0), (_budget.Reserves, _budget.Settles, _budget.Releases));
    }

    [Fact]
    public async Task GetObjectAsync_with_a_forced_tool_call_and_tools_registered_is_valid_in_one_call()
    {
        var model = new ScriptedChatClient(_time, "big-model")
        {
            Capabilities = new ChatClientCapabilities { SupportsJsonSchemaResponseFormat = false },
        }.Enqueue(ScriptedTurn.FromToolCall("respond", new { name = "Ada", age = 36 }).WithUsage(100, 10).WithModel("big-model"));
        var weather = SchemaFunction.Returning("get_weather", ToolTestKit.CitySchema, _ => "sunny");
        await using var provider = Build(kit => kit.AddChatClient("main", model).LlmKit.AddTool(weather));

        var result = await provider.GetRequiredService<IChatClient>().GetObjectAsync<Person>(
            "Ada, 36", new StructuredOutputOptions { Strategy = StructuredOutputStrategy.ForcedToolCall, ChatOptions = Tagged() });

        Assert.True(result.IsSuccess, result.Failure?.Message);
        Assert.Equal(("Ada", 36), (result.Value.Name, result.Value.Age));
        Assert.Equal(1, result.Attempts);
        Assert.Single(model.Requests);
        Assert.Equal(0, weather.Invocations);

        // The model saw both the registered tool and the forced respond declaration.
        var offered = model.Requests[0].Options!.Tools!.Select(t => t.Name).ToList();
        Assert.Contains("respond", offered);
        Assert.Contains("get_weather", offered);
        Assert.Single(Ledger(provider));
    }

    private async Task<LoopRecord> RunThreeTurnLoopAsync(bool useRunTools)
    {
        _spans.Clear();
        _budget.Reset();
        var model = new ScriptedChatClient(_time, "big-model").Enqueue(
            ScriptedTurn.FromToolCall("get_weather", new { city = "Oslo" }, "c1").WithUsage(10, 90).WithModel("big-model"),
            ScriptedTurn.FromToolCall("get_weather", new { city = "Bergen" }, "c2").WithUsage(20, 90).WithModel("big-model"),
            ScriptedTurn.FromText("Sunny in both.").WithUsage(30, 90).WithModel("big-model"));
        var weather = SchemaFunction.Returning("get_weather", ToolTestKit.CitySchema, _ => "sunny");
        await using var provider = Build(kit => kit.AddChatClient("main", model).LlmKit.AddTool(weather));
        var chat = provider.GetRequiredService<IChatClient>();

        string text = useRunTools
            ? (await chat.RunToolsAsync("Weather in Oslo and Bergen?", Tagged())).Text
            : (await chat.GetResponseAsync("Weather in Oslo and Bergen?", Tagged())).Text;

        Assert.Equal("Sunny in both.", text);
        var entries = Ledger(provider);
        Assert.Single(entries.Select(e => e.LogicalCallId).Distinct());
        var root = Assert.Single(_spans, s => s.Kind == ActivityKind.Internal);
        Assert.All(_spans.Where(s => s.Kind == ActivityKind.Client), c => Assert.Equal(root.SpanId, c.ParentSpanId));

        // Everything but the ids and timings, so the two entry points can be compared.
        return new LoopRecord(
            entries.Select(e => e with { Id = "", LogicalCallId = "", Timestamp = default, Latency = default }).ToList(),
            (_budget.Reserves, _budget.Settles, _budget.Releases),
            (_spans.Count(s => s.Kind == ActivityKind.Internal), _spans.Count(s => s.Kind == ActivityKind.Client)));
    }

    private ServiceProvider Build(Action<LlmKitBuilder> clients, Action<BudgetOptions>? budgets = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(_instrumentation);
        services.AddSingleton<IModelCatalog>(new TestCatalog());
        services.AddSingleton<IChatTokenCounter>(new CharacterTokenCounter());
        services.AddSingleton<IBudgetStore>(_budget);
        var kit = services.AddLlmKit().UseTelemetry().UseUsageLedger().AddInMemoryUsageStore().UseBudgets(budgets ?? (b => b.CostPerDay = 1m));
        clients(kit);
        return services.BuildServiceProvider();
    }

    private static ChatOptions Tagged(int? maxOutputTokens = 100) =>
        new ChatOptions { MaxOutputTokens = maxOutputTokens }.WithCallerTags(new CallerTags("acme"));

    private static List<UsageEntry> Ledger(IServiceProvider provider) => provider.GetRequiredService<InMemoryUsageStore>().Entries.ToList();

    private List<(string? TokenType, double Value)> TokenMeasurements()
    {
        lock (_measurements)
        {
            return _measurements.Where(m => m.Instrument == GenAiConventions.TokenUsageMetric).Select(m => (m.TokenType, m.Value)).ToList();
        }
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? tokenType = null;
        foreach (var tag in tags)
        {
            if (tag.Key == GenAiConventions.TokenType)
            {
                tokenType = tag.Value as string;
            }
        }

        lock (_measurements)
        {
            _measurements.Add((instrument.Name, value, tokenType));
        }
    }

    private sealed record LoopRecord(List<UsageEntry> Entries, (int Reserves, int Settles, int Releases) Budget, (int Roots, int Children) Spans)
    {
        public bool Equals(LoopRecord? other) =>
            other is not null && Entries.SequenceEqual(other.Entries) && Budget == other.Budget && Spans == other.Spans;

        public override int GetHashCode() => HashCode.Combine(Entries.Count, Budget, Spans);
    }

    /// <summary>Counts what the budget stage asks of its store.</summary>
    private sealed class CountingBudgetStore(IBudgetStore inner) : IBudgetStore
    {
        private int _reserves;
        private int _settles;
        private int _releases;

        public int Reserves => Volatile.Read(ref _reserves);

        public int Settles => Volatile.Read(ref _settles);

        public int Releases => Volatile.Read(ref _releases);

        public void Reset() => (_reserves, _settles, _releases) = (0, 0, 0);

        public ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservationRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reserves);
            return inner.TryReserveAsync(request, cancellationToken);
        }

        public ValueTask SettleAsync(BudgetReservation reservation, long tokens, decimal cost, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _settles);
            return inner.SettleAsync(reservation, tokens, cost, cancellationToken);
        }

        public ValueTask ReleaseAsync(BudgetReservation reservation, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _releases);
            return inner.ReleaseAsync(reservation, cancellationToken);
        }
    }
}
