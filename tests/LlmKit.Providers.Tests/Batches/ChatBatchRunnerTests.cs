using LlmKit.Batches;
using LlmKit.Budgets;
using LlmKit.Errors;
using LlmKit.Models;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static LlmKit.Providers.Tests.Batches.OpenAIBatchChatClientTests;

namespace LlmKit.Providers.Tests.Batches;

/// <summary>ChatBatchRunner on the real provider clients and the loopback server: durable tracking, mapping, accounting once.</summary>
public sealed class ChatBatchRunnerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "llmkit-batches-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private ChatBatchRunner Runner(IBatchChatClient client, IUsageSink? sink = null, IBudgetStore? budgets = null, BudgetOptions? budgetOptions = null) =>
        new(name => name == "gpt" ? client : throw new InvalidOperationException(name), new FileChatBatchStore(_folder),
            new ChatBatchRunnerOptions { PollInterval = TimeSpan.FromSeconds(10), MaxPollInterval = TimeSpan.FromMinutes(1) },
            ModelCatalog.Shipped, sink is null ? [] : [sink], budgets, budgetOptions, timeProvider: _time);

    /// <summary>Drives a wait that sleeps on the fake clock.</summary>
    private async Task<T> AdvanceUntilDone<T>(Task<T> task)
    {
        for (int i = 0; i < 200 && !task.IsCompleted; i++)
        {
            await Task.Delay(5);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        return await task;
    }

    [Fact]
    public async Task A_batch_submitted_before_a_restart_is_found_waited_for_and_collected_by_the_next_run()
    {
        await using var server = new BatchServer();
        var first = Runner(Client(server));
        var submitted = await first.SubmitAsync("gpt", [Request("doc-1", "a"), Request("doc-2", "b")], new CallerTags("acme", "triage", "run-7"));
        Assert.Equal(BatchStatus.Validating, submitted.Status);

        // A new process: a new store over the same folder, new clients, nothing in memory.
        var ledger = new InMemoryUsageStore();
        using var freshClient = Client(server);
        var second = Runner(freshClient, ledger);
        var open = Assert.Single(await second.ListUnaccountedAsync());
        Assert.Equal(submitted.BatchId, open.BatchId);

        var seen = new List<BatchStatus>();
        var result = await AdvanceUntilDone(second.WaitAsync(open.BatchId, new SynchronousProgress(r => seen.Add(r.Status))));

        Assert.Equal([BatchStatus.InProgress, BatchStatus.Finalizing, BatchStatus.Completed], seen);
        Assert.Equal(["doc-1", "doc-2"], result.Items.Select(i => i.CustomId));
        Assert.Equal("answer to doc-2", result.ById["doc-2"].Response!.Text);
        Assert.True(result.AccountedNow);
        Assert.Empty(await second.ListUnaccountedAsync());

        var entries = ledger.Entries;
        Assert.Equal(2, entries.Count);
        var entry = entries.Single(e => e.LogicalCallId == $"{submitted.BatchId}/doc-1");
        Assert.Equal(("acme", "triage", "run-7", "gpt"), (entry.Tenant, entry.Feature, entry.RequestId, entry.ClientName));
        Assert.Equal(UsageOutcome.Succeeded, entry.Outcome);
        Assert.Equal(ChatBatchRunner.EntryId("openai", submitted.BatchId, "doc-1"), entry.Id);

        // Half the list price: the catalog's batch discount.
        var model = ModelCatalog.Shipped.Find("gpt-4o-mini")!;
        decimal list = model.CostOf(entry.InputTokens - entry.CacheReadTokens, entry.OutputTokens);
        Assert.Equal(list / 2, entry.Cost);
        Assert.Equal(result.Cost, entries.Sum(e => e.Cost));

        // Collecting again (a re-poll after another restart) returns the results and records nothing twice.
        var third = Runner(Client(server), ledger);
        var again = await third.CollectAsync(submitted.BatchId);
        Assert.False(again.AccountedNow);
        Assert.Equal(2, again.Succeeded);
        Assert.Equal(2, ledger.Entries.Count);
    }

    [Fact]
    public async Task Every_request_gets_an_answer_or_a_typed_failure_and_unmatched_lines_are_problems_with_line_numbers()
    {
        await using var server = new BatchServer
        {
            Answer = (id, _) => id == "refused" ? ServerAnswer.Fail(400, "content_policy_violation", "Flagged.") : ServerAnswer.Ok("ok " + id),
        };
        server.Withheld.Add("lost");
        server.ExtraResultLines.Add("""{"id":"r9","custom_id":"stranger","response":{"status_code":200,"request_id":"x","body":{"id":"c","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"who?"},"finish_reason":"stop"}]}},"error":null}""");
        server.ExtraResultLines.Add("""{"id":"r10","custom_id":"fine","response":{"status_code":200,"request_id":"y","body":{"id":"d","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"again"},"finish_reason":"stop"}]}},"error":null}""");
        server.ExtraResultLines.Add("{oops");
        var ledger = new InMemoryUsageStore();
        using var client = Client(server);
        var runner = Runner(client, ledger);

        var record = await runner.SubmitAsync("gpt", [Request("fine", "a"), Request("refused", "b"), Request("lost", "c")]);
        var result = await AdvanceUntilDone(runner.WaitAsync(record.BatchId));

        Assert.Equal("ok fine", result.ById["fine"].Response!.Text); // the first result of an id is kept
        Assert.Equal(LlmErrorKind.ContentFiltered, result.ById["refused"].Failure!.ErrorKind);
        Assert.Equal(BatchFailureKind.NotReturned, result.ById["lost"].Failure!.Kind);
        Assert.Equal(3, result.Items.Count);
        Assert.Collection(result.Problems,
            p => Assert.Equal(("output", 2, "stranger"), (p.File, p.LineNumber, p.CustomId)),
            p => Assert.Equal(("output", 3, "fine"), (p.File, p.LineNumber, p.CustomId)),
            p => Assert.Equal(("output", 4, (string?)null), (p.File, p.LineNumber, p.CustomId)));
        Assert.Contains("not one of the batch's requests", result.Problems[0].Reason, StringComparison.Ordinal);
        Assert.Contains("second result", result.Problems[1].Reason, StringComparison.Ordinal);

        // Failed requests are in the ledger too, at no cost, with their kind.
        var refused = ledger.Entries.Single(e => e.LogicalCallId!.EndsWith("/refused", StringComparison.Ordinal));
        Assert.Equal((UsageOutcome.Failed, LlmErrorKind.ContentFiltered, 0m), (refused.Outcome, refused.ErrorKind, refused.Cost));
    }

    [Fact]
    public async Task A_batch_rejected_as_a_whole_fails_every_request_with_the_reason()
    {
        await using var server = new BatchServer();
        using var client = Client(server);
        var runner = Runner(client);
        var bad = new BatchChatRequest("b", [new ChatMessage(ChatRole.User, "x")], new ChatOptions { ModelId = "gpt-4o-mini", AdditionalProperties = new() { ["stream"] = true } });

        var record = await runner.SubmitAsync("gpt", [Request("a", "x"), bad]);
        var result = await AdvanceUntilDone(runner.WaitAsync(record.BatchId));

        Assert.Equal(BatchStatus.Failed, result.Record.Status);
        Assert.All(result.Items, i =>
        {
            Assert.Equal(BatchFailureKind.BatchFailed, i.Failure!.Kind);
            Assert.Contains("line 2", i.Failure.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Repeated_or_empty_custom_ids_are_refused_before_anything_is_sent()
    {
        await using var server = new BatchServer();
        using var client = Client(server);
        var runner = Runner(client);

        var repeated = await Assert.ThrowsAsync<ArgumentException>(() => runner.SubmitAsync("gpt", [Request("x", "a"), Request("x", "b")]));
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => runner.SubmitAsync("gpt", [Request(" ", "a")]));
        var none = await Assert.ThrowsAsync<ArgumentException>(() => runner.SubmitAsync("gpt", []));

        Assert.Contains("'x' is used by more than one request", repeated.Message, StringComparison.Ordinal);
        Assert.Contains("no custom id", empty.Message, StringComparison.Ordinal);
        Assert.Contains("at least one request", none.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Collecting_a_batch_that_has_not_ended_says_so_and_cancelling_keeps_what_was_answered()
    {
        await using var server = new BatchServer { FinishedBeforeEnd = 1 };
        using var client = Client(server);
        var runner = Runner(client);
        var record = await runner.SubmitAsync("gpt", [Request("a", "x"), Request("b", "y")]);

        var early = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.CollectAsync(record.BatchId)); // one refresh: in_progress
        var cancelling = await runner.CancelAsync(record.BatchId);
        var result = await AdvanceUntilDone(runner.WaitAsync(record.BatchId));

        Assert.Contains("has not ended (status InProgress", early.Message, StringComparison.Ordinal);
        Assert.Equal(BatchStatus.Cancelling, cancelling.Status);
        Assert.Equal(BatchStatus.Cancelled, result.Record.Status);
        Assert.True(result.ById["a"].IsSuccess);
        Assert.Equal(BatchFailureKind.Cancelled, result.ById["b"].Failure!.Kind);
    }

    [Fact]
    public async Task The_budget_refuses_a_batch_whose_worst_case_does_not_fit_and_settles_an_admitted_one_at_its_real_cost()
    {
        await using var server = new BatchServer();
        using var client = Client(server);
        var store = new InMemoryBudgetStore();
        var tight = new BudgetOptions { CostPerDay = 0.0001m };
        var refusing = Runner(client, budgets: store, budgetOptions: tight);
        var big = new BatchChatRequest("big", [new ChatMessage(ChatRole.User, "x")], new ChatOptions { ModelId = "gpt-4o", MaxOutputTokens = 10_000 });

        var refused = await Assert.ThrowsAsync<BudgetExceededException>(() => refusing.SubmitAsync("gpt", [big], new CallerTags("acme")));
        Assert.Equal(BudgetKind.CostPerDay, refused.Budget);
        Assert.Empty(server.Requests);

        var runner = Runner(client, budgets: store, budgetOptions: new BudgetOptions { CostPerDay = 5m });
        var record = await runner.SubmitAsync("gpt", [Request("a", "x"), Request("b", "y")], new CallerTags("acme"));
        var held = store.GetUsage("acme", _time.GetUtcNow());
        Assert.Equal(1, held.OpenReservations);
        Assert.Equal(record.Reservation!.Cost, held.DayCost);

        var result = await AdvanceUntilDone(runner.WaitAsync(record.BatchId));
        var settled = store.GetUsage("acme", _time.GetUtcNow());
        Assert.Equal(0, settled.OpenReservations);
        Assert.Equal(result.Cost, settled.DayCost);
        Assert.True(result.Cost > 0 && result.Cost < record.Reservation.Cost);
    }

    [Fact]
    public async Task Registered_through_DI_the_runner_submits_on_the_named_batch_client_and_bad_settings_stop_the_host()
    {
        await using var server = new BatchServer();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:OpenAI:gpt:Endpoint"] = server.OpenAIEndpoint.AbsoluteUri,
            ["LlmKit:OpenAI:gpt:ApiKey"] = BatchServer.OpenAIKey,
            ["LlmKit:Batches:PollInterval"] = "00:00:00",
        }).Build());
        services.AddLlmKit().AddOpenAIBatches("gpt").AddChatBatches();
        await using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ChatBatchRunnerOptions>>().Value);
        Assert.Contains("LlmKit:Batches:PollInterval must be between 1 second and 1 hour", failure.Message, StringComparison.Ordinal);

        services.Configure<ChatBatchRunnerOptions>(o => o.PollInterval = TimeSpan.FromSeconds(5));
        await using var fixedProvider = services.BuildServiceProvider();
        var runner = fixedProvider.GetRequiredService<ChatBatchRunner>();
        var record = await runner.SubmitAsync("gpt", [Request("a", "x")]);
        Assert.Equal("openai", record.Provider);
        Assert.Single(await runner.ListUnaccountedAsync());
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.SubmitAsync("claude", [Request("a", "x")]));
        Assert.Contains("AddAnthropicBatches(\"claude\")", unknown.Message, StringComparison.Ordinal);
    }

    private sealed class SynchronousProgress(Action<ChatBatchRecord> report) : IProgress<ChatBatchRecord>
    {
        public void Report(ChatBatchRecord value) => report(value);
    }
}
