using LlmKit.Budgets;
using LlmKit.Caching;
using LlmKit.Core.Tests.Usage;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Testing;
using LlmKit.Tokens;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Core.Tests.Budgets;

public sealed class BudgetTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Noon);
    private readonly InMemoryBudgetStore _store = new();

    // The prompt "0123456789" is 10 tokens with CharacterTokenCounter; with MaxOutputTokens 90 a call reserves 100.
    private static ChatOptions Call(string tenant = "acme", string? requestId = null) =>
        new ChatOptions { ModelId = "big-model", MaxOutputTokens = 90 }.WithCallerTags(new CallerTags(tenant, RequestId: requestId));

    private BudgetChatClient Budget(IChatClient inner, Action<BudgetOptions> configure)
    {
        var options = new BudgetOptions();
        configure(options);
        return new BudgetChatClient(inner, _store, options, "main", new TestCatalog(), new CharacterTokenCounter(), timeProvider: _time);
    }

    [Fact]
    public async Task Reserves_the_prompt_plus_maximum_output_before_the_call_and_settles_the_actual_usage_after_it()
    {
        (long Tokens, decimal Cost, int Open) duringCall = default;
        var scripted = new ScriptedChatClient(_time).Enqueue(_ =>
        {
            duringCall = _store.GetUsage("acme", _time.GetUtcNow());
            return ScriptedTurn.FromText("ok").WithUsage(inputTokens: 10, outputTokens: 5).WithModel("big-model");
        });
        var budget = Budget(scripted, b => b.CostPerDay = 1m);

        await budget.GetResponseAsync("0123456789", Call());

        // Reserved: 10 prompt × $10/M + 90 output × $30/M. Settled: 10 × $10/M + 5 × $30/M.
        Assert.Equal((100L, 0.0028m, 1), duringCall);
        Assert.Equal((15L, 0.00025m, 0), _store.GetUsage("acme", _time.GetUtcNow()));
    }

    [Fact]
    public async Task Over_the_token_window_a_call_is_rejected_with_the_budget_the_limit_and_when_it_resets_and_never_reaches_the_model()
    {
        var scripted = new ScriptedChatClient(_time).RespondToEveryRequest(_ => ScriptedTurn.FromText("ok").WithUsage(10, 90));
        var budget = Budget(scripted, b => b.TokensPerMinute = 250);

        await budget.GetResponseAsync("0123456789", Call());
        _time.Advance(TimeSpan.FromSeconds(20));
        await budget.GetResponseAsync("0123456789", Call());
        _time.Advance(TimeSpan.FromSeconds(10));
        var rejected = await Assert.ThrowsAsync<BudgetExceededException>(() => budget.GetResponseAsync("0123456789", Call()));

        Assert.Equal(2, scripted.Requests.Count);
        Assert.Equal(LlmErrorKind.BudgetExceeded, rejected.Kind);
        Assert.Equal((BudgetKind.TokensPerMinute, "acme", 250m, 200m, 100m), (rejected.Budget, rejected.Tenant, rejected.Limit, rejected.Used, rejected.Requested));
        // 50 tokens must leave the window: the first call's 100, a minute after it was made.
        Assert.Equal(Noon.AddMinutes(1), rejected.ResetsAt);
        Assert.Equal(TimeSpan.FromSeconds(30), rejected.RetryAfter);
        Assert.Contains("TokensPerMinute", rejected.Message);
        Assert.Equal((200L, 0), (_store.GetUsage("acme", _time.GetUtcNow()).WindowTokens, _store.GetUsage("acme", _time.GetUtcNow()).OpenReservations));
    }

    [Fact]
    public async Task The_token_window_slides_usage_older_than_a_minute_no_longer_counts()
    {
        var scripted = new ScriptedChatClient(_time).RespondToEveryRequest(_ => ScriptedTurn.FromText("ok").WithUsage(10, 90));
        var budget = Budget(scripted, b => b.TokensPerMinute = 200);

        await budget.GetResponseAsync("0123456789", Call());
        _time.Advance(TimeSpan.FromSeconds(30));
        await budget.GetResponseAsync("0123456789", Call());
        _time.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<BudgetExceededException>(() => budget.GetResponseAsync("0123456789", Call()));
        _time.Advance(TimeSpan.FromSeconds(1));
        await budget.GetResponseAsync("0123456789", Call());

        Assert.Equal(3, scripted.Requests.Count);
    }

    [Fact]
    public async Task The_daily_cost_budget_resets_at_UTC_midnight_and_tenants_do_not_share_it()
    {
        var scripted = new ScriptedChatClient(_time).RespondToEveryRequest(_ => ScriptedTurn.FromText("ok").WithUsage(10, 90));
        var budget = Budget(scripted, b => b.CostPerDay = 0.005m); // one call reserves and spends $0.0028

        await budget.GetResponseAsync("0123456789", Call());
        var rejected = await Assert.ThrowsAsync<BudgetExceededException>(() => budget.GetResponseAsync("0123456789", Call()));
        await budget.GetResponseAsync("0123456789", Call(tenant: "globex"));
        _time.Advance(TimeSpan.FromHours(12));
        await budget.GetResponseAsync("0123456789", Call());

        Assert.Equal(BudgetKind.CostPerDay, rejected.Budget);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero), rejected.ResetsAt);
        Assert.Equal(3, scripted.Requests.Count);
    }

    [Fact]
    public async Task A_call_whose_estimated_maximum_exceeds_the_per_call_limit_is_rejected_however_much_budget_is_left()
    {
        var scripted = new ScriptedChatClient(_time).RespondToEveryRequest(_ => ScriptedTurn.FromText("ok"));
        var budget = Budget(scripted, b => b.MaxCostPerCall = 0.002m);

        var rejected = await Assert.ThrowsAsync<BudgetExceededException>(() => budget.GetResponseAsync("0123456789", Call()));
        await budget.GetResponseAsync("0123456789", new ChatOptions { ModelId = "big-model", MaxOutputTokens = 50 });

        Assert.Equal((BudgetKind.CostPerCall, 0.002m, 0.0028m, null), (rejected.Budget, rejected.Limit, rejected.Requested, rejected.ResetsAt));
        Assert.Single(scripted.Requests);
    }

    [Fact]
    public async Task Per_tenant_limits_override_the_defaults_and_a_request_budget_groups_calls_by_request_id()
    {
        var scripted = new ScriptedChatClient(_time).RespondToEveryRequest(_ => ScriptedTurn.FromText("ok").WithUsage(10, 90));
        var budget = Budget(scripted, b =>
        {
            b.CostPerRequest = 0.006m; // two calls of $0.0028
            b.Tenants["vip"] = new BudgetLimits { CostPerRequest = 1m };
        });

        await budget.GetResponseAsync("0123456789", Call(requestId: "r1"));
        await budget.GetResponseAsync("0123456789", Call(requestId: "r1"));
        var rejected = await Assert.ThrowsAsync<BudgetExceededException>(() => budget.GetResponseAsync("0123456789", Call(requestId: "r1")));
        await budget.GetResponseAsync("0123456789", Call(requestId: "r2"));
        for (int i = 0; i < 3; i++)
        {
            await budget.GetResponseAsync("0123456789", Call(tenant: "vip", requestId: "r1"));
        }

        Assert.Equal((BudgetKind.CostPerRequest, "r1"), (rejected.Budget, rejected.BudgetRequestId));
        Assert.Equal(0.0056m, _store.GetRequestCost("acme", "r1"));
        Assert.Equal(6, scripted.Requests.Count);
    }

    [Fact]
    public async Task Failed_cancelled_and_abandoned_calls_release_their_reservation()
    {
        var scripted = new ScriptedChatClient(_time)
            .EnqueueError(LlmErrorKind.ServerError)
            .Enqueue(ScriptedTurn.FromText("late").After(TimeSpan.FromSeconds(5)))
            .Enqueue(ScriptedTurn.FromText("a b c").FailingAfter(1))
            .Enqueue(ScriptedTurn.FromText("a b c d e"));
        var budget = Budget(scripted, b => { b.TokensPerMinute = 1_000; b.CostPerDay = 1m; });

        await Assert.ThrowsAsync<LlmException>(() => budget.GetResponseAsync("0123456789", Call()));
        using (var cts = new CancellationTokenSource())
        {
            var pending = budget.GetResponseAsync("0123456789", Call(), cts.Token);
            Assert.Equal(1, _store.GetUsage("acme", _time.GetUtcNow()).OpenReservations);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        }

        await Assert.ThrowsAsync<LlmException>(async () =>
        {
            await foreach (var _ in budget.GetStreamingResponseAsync("0123456789", Call()))
            {
            }
        });
        await foreach (var _ in budget.GetStreamingResponseAsync("0123456789", Call()))
        {
            break;
        }

        Assert.Equal(4, scripted.Requests.Count);
        Assert.Equal((0L, 0m, 0), _store.GetUsage("acme", _time.GetUtcNow()));
    }

    [Fact]
    public async Task A_streamed_call_settles_from_the_usage_in_its_final_update()
    {
        var scripted = new ScriptedChatClient(_time).Enqueue(ScriptedTurn.FromText("a b").WithUsage(10, 2).WithModel("big-model"));
        var budget = Budget(scripted, b => b.CostPerDay = 1m);

        await foreach (var _ in budget.GetStreamingResponseAsync("0123456789", Call()))
        {
        }

        Assert.Equal((12L, 0.00016m, 0), _store.GetUsage("acme", _time.GetUtcNow()));
    }

    [Fact]
    public async Task An_answer_from_the_response_cache_settles_at_zero()
    {
        var scripted = new ScriptedChatClient(_time).Enqueue(ScriptedTurn.FromText("ok").WithUsage(10, 90));
        var cache = new Microsoft.Extensions.Caching.Distributed.MemoryDistributedCache(Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        var budget = Budget(new ResponseCacheChatClient(scripted, cache), b => b.CostPerDay = 1m);
        var options = Call();
        options.Temperature = 0;

        await budget.GetResponseAsync("0123456789", options);
        var spentAfterFirst = _store.GetUsage("acme", _time.GetUtcNow());
        var second = await budget.GetResponseAsync("0123456789", options);

        Assert.True(second.IsCacheHit());
        Assert.Equal(spentAfterFirst, _store.GetUsage("acme", _time.GetUtcNow()));
        Assert.Single(scripted.Requests);
    }

    [Fact]
    public async Task Over_budget_with_a_downgrade_client_the_call_is_answered_by_the_cheaper_model_and_recorded_once()
    {
        var big = new ScriptedChatClient(_time, "big-model").RespondToEveryRequest(_ => ScriptedTurn.FromText("big").WithUsage(10, 90).WithModel("big-model"));
        var small = new ScriptedChatClient(_time, "small-model").RespondToEveryRequest(_ => ScriptedTurn.FromText("small").WithUsage(10, 90).WithModel("small-model"));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IModelCatalog>(new TestCatalog());
        services.AddSingleton<IChatTokenCounter>(new CharacterTokenCounter());
        services.AddLlmKit()
            .UseUsageLedger().AddInMemoryUsageStore()
            .UseBudgets(b => { b.MaxCostPerCall = 0.001m; b.DowngradeTo = "mini"; })
            .AddChatClient("main", big).LlmKit
            .AddChatClient("mini", small);
        await using var provider = services.BuildServiceProvider();

        var response = await provider.GetRequiredKeyedService<IChatClient>("main")
            .GetResponseAsync("0123456789", new ChatOptions { MaxOutputTokens = 90 }.WithCallerTags(new CallerTags("acme")));

        Assert.Equal("small", response.Text);
        Assert.Empty(big.Requests);
        Assert.Null(small.Requests[0].Options!.ModelId);
        var entry = Assert.Single(provider.GetRequiredService<InMemoryUsageStore>().Entries);
        // One upstream call, made by the cheaper client on the downgrade route, under the logical call made to "main".
        Assert.Equal(("mini", "small-model", "small-model", UsageRoute.Downgrade), (entry.ClientName, entry.RequestedModel, entry.ServedModel, entry.Route));
        Assert.NotNull(entry.LogicalCallId);
        Assert.Equal((10 * 1m + 90 * 3m) / 1_000_000m, entry.Cost);
    }

    [Fact]
    public async Task A_downgraded_call_that_is_still_over_budget_is_rejected_rather_than_downgraded_again()
    {
        var small = new ScriptedChatClient(_time, "small-model").RespondToEveryRequest(_ => ScriptedTurn.FromText("small"));
        var services = new ServiceCollection();
        services.AddSingleton<IModelCatalog>(new TestCatalog());
        services.AddSingleton<IChatTokenCounter>(new CharacterTokenCounter());
        services.AddLlmKit()
            .UseBudgets(b => { b.MaxCostPerCall = 0.0000001m; b.DowngradeTo = "mini"; })
            .AddChatClient("main", new ScriptedChatClient(_time, "big-model")).LlmKit
            .AddChatClient("mini", small);
        await using var provider = services.BuildServiceProvider();

        var rejected = await Assert.ThrowsAsync<BudgetExceededException>(() =>
            provider.GetRequiredKeyedService<IChatClient>("main").GetResponseAsync("0123456789"));

        Assert.Equal("small-model", rejected.Model);
        Assert.Empty(small.Requests);
    }

    [Fact]
    public async Task A_thousand_concurrent_calls_from_one_tenant_never_overspend_and_every_call_is_recorded_exactly_once()
    {
        // Each call reserves 10 prompt + 90 output tokens = $0.0028 and settles a random share of it; a tenth of the
        // calls fail and a tenth are cancelled mid-stream. The day's budget admits only some of them.
        const decimal dayBudget = 0.5m;
        var random = new Random(7);
        var outcomes = new Dictionary<int, (int Output, bool Fails)>();
        for (int i = 0; i < 1_000; i++)
        {
            outcomes[i] = (random.Next(1, 91), i % 10 == 3);
        }

        var scripted = new ScriptedChatClient(_time).RespondToEveryRequest(request =>
        {
            var (output, fails) = outcomes[int.Parse(request.LastUserText!.AsSpan(0, 4), System.Globalization.CultureInfo.InvariantCulture)];
            return fails
                ? ScriptedTurn.FromError(LlmErrorKind.ServerError)
                : ScriptedTurn.FromText("x y z").WithUsage(10, output).WithModel("big-model");
        });
        var ledgerStore = new InMemoryUsageStore();
        var budget = new BudgetChatClient(scripted, _store, new BudgetOptions { CostPerDay = dayBudget }, "main",
            new TestCatalog(), new CharacterTokenCounter(), timeProvider: _time);
        var ledger = new UsageLedgerChatClient(budget, [ledgerStore], "main", new TestCatalog(), timeProvider: _time);

        int admitted = 0, rejected = 0, failed = 0, abandoned = 0;
        await Parallel.ForAsync(0, 1_000, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            string prompt = i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture) + "567890"; // 10 tokens
            var options = new ChatOptions { ModelId = "big-model", MaxOutputTokens = 90 }.WithCallerTags(new CallerTags("acme", RequestId: $"r{i}"));
            try
            {
                if (i % 10 == 5)
                {
                    await foreach (var _ in ledger.GetStreamingResponseAsync(prompt, options, ct))
                    {
                        Interlocked.Increment(ref abandoned);
                        break;
                    }
                }
                else
                {
                    await ledger.GetResponseAsync(prompt, options, ct);
                    Interlocked.Increment(ref admitted);
                }
            }
            catch (BudgetExceededException)
            {
                Interlocked.Increment(ref rejected);
            }
            catch (LlmException)
            {
                Interlocked.Increment(ref failed);
            }
        });

        var entries = ledgerStore.Entries;
        var usage = _store.GetUsage("acme", _time.GetUtcNow());
        decimal settled = entries.Where(e => e.Outcome == UsageOutcome.Succeeded).Sum(e => e.Cost!.Value);

        Assert.True(rejected > 0 && admitted > 0, $"the budget should admit some calls and reject others (admitted {admitted}, rejected {rejected})");
        Assert.True(failed > 0 && abandoned > 0);
        Assert.Equal(1_000, entries.Count);
        Assert.Equal(1_000, entries.Select(e => e.RequestId).Distinct().Count());
        Assert.Equal(admitted, entries.Count(e => e.Outcome == UsageOutcome.Succeeded));
        Assert.Equal(abandoned, entries.Count(e => e.Outcome == UsageOutcome.Cancelled));
        Assert.Equal(rejected + failed, entries.Count(e => e.Outcome == UsageOutcome.Failed));
        Assert.True(settled <= dayBudget, $"settled {settled} exceeds the budget {dayBudget}");
        Assert.Equal(settled, usage.DayCost); // the store holds exactly the settled costs: no reservation left behind
        Assert.Equal(0, usage.OpenReservations);
    }

    [Fact]
    public async Task Adding_budgets_twice_adds_one_stage_with_both_configurations_applied()
    {
        var scripted = new ScriptedChatClient(_time, "big-model").RespondToEveryRequest(_ => ScriptedTurn.FromText("ok").WithUsage(10, 90));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IModelCatalog>(new TestCatalog());
        services.AddSingleton<IChatTokenCounter>(new CharacterTokenCounter());
        services.AddSingleton<IBudgetStore>(_store);
        var llmKit = services.AddLlmKit().UseBudgets(b => b.TokensPerMinute = 1_000).UseBudgets(b => b.CostPerDay = 1m);
        llmKit.AddChatClient("main", scripted);
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<IChatClient>();

        await chat.GetResponseAsync("0123456789", new ChatOptions { MaxOutputTokens = 90 }.WithCallerTags(new CallerTags("acme")));

        Assert.Equal(["budget"], chat.GetService<Pipeline.ChatPipelineDescription>()!.StageNames);
        var options = provider.GetRequiredService<IOptionsMonitor<BudgetOptions>>().Get(Options.DefaultName);
        Assert.Equal((1_000L, 1m), (options.TokensPerMinute!.Value, options.CostPerDay!.Value));
        Assert.Equal((100L, 0.0028m), (_store.GetUsage("acme", _time.GetUtcNow()).WindowTokens, _store.GetUsage("acme", _time.GetUtcNow()).DayCost));
    }

    [Fact]
    public async Task A_cost_budget_on_a_model_the_catalog_cannot_price_fails_with_a_clear_error()
    {
        var budget = Budget(new ScriptedChatClient(_time, "mystery-model"), b => b.CostPerDay = 1m);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => budget.GetResponseAsync("hi"));

        Assert.Contains("mystery-model", error.Message);
        Assert.Contains("no price", error.Message);
    }

    [Fact]
    public void Invalid_budget_settings_fail_when_the_host_starts_naming_the_configuration_key()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:Budgets:CostPerDay"] = "-1",
            ["LlmKit:Budgets:Tenants:acme:TokensPerMinute"] = "0",
        }).Build());
        services.AddLlmKit().UseBudgets().AddChatClient("main", new ScriptedChatClient());
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<BudgetOptions>>().Get(Options.DefaultName));

        Assert.Contains("LlmKit:Budgets:CostPerDay must be positive", error.Message);
        Assert.Contains("LlmKit:Budgets:Tenants:acme:TokensPerMinute must be positive", error.Message);
    }

    [Fact]
    public async Task A_reservation_carries_the_configured_lease_and_a_lease_under_a_second_is_refused_at_start()
    {
        var recording = new LeaseRecordingStore(_store);
        var scripted = new ScriptedChatClient(_time).Enqueue(ScriptedTurn.FromText("ok").WithUsage(10, 5).WithModel("big-model"));
        var budget = new BudgetChatClient(scripted, recording, new BudgetOptions { CostPerDay = 1m, ReservationLease = TimeSpan.FromSeconds(45) },
            "main", new TestCatalog(), new CharacterTokenCounter(), timeProvider: _time);

        await budget.GetResponseAsync("0123456789", Call());

        Assert.Equal(TimeSpan.FromSeconds(45), Assert.Single(recording.Leases));
        Assert.Equal(BudgetConstants.DefaultReservationLease, new BudgetOptions().ReservationLease);
        Assert.Equal(
            "LlmKit:Budgets:ReservationLease must be at least 1 second, but was 00:00:00.5000000.",
            Assert.Single(new BudgetOptions { ReservationLease = TimeSpan.FromMilliseconds(500) }.Validate("LlmKit:Budgets")));
    }

    private sealed class LeaseRecordingStore(IBudgetStore inner) : IBudgetStore
    {
        public List<TimeSpan> Leases { get; } = [];

        public ValueTask<BudgetReservationResult> TryReserveAsync(BudgetReservationRequest request, CancellationToken cancellationToken)
        {
            Leases.Add(request.Lease);
            return inner.TryReserveAsync(request, cancellationToken);
        }

        public ValueTask SettleAsync(BudgetReservation reservation, long tokens, decimal cost, CancellationToken cancellationToken) =>
            inner.SettleAsync(reservation, tokens, cost, cancellationToken);

        public ValueTask ReleaseAsync(BudgetReservation reservation, CancellationToken cancellationToken) =>
            inner.ReleaseAsync(reservation, cancellationToken);
    }
}
