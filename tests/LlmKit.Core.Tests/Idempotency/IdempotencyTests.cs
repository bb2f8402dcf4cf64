using LlmKit.DependencyInjection;
using LlmKit.Idempotency;
using LlmKit.Pipeline;
using LlmKit.Testing;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace LlmKit.Core.Tests.Idempotency;

public sealed class IdempotencyTests
{
    private readonly InMemoryIdempotencyStore _store = new();

    private IdempotencyChatClient Idempotent(IChatClient inner, IdempotencyOptions? options = null) => new(inner, _store, options, "main");

    private static ChatOptions Keyed(string key, string? tenant = null) =>
        new ChatOptions().WithIdempotencyKey(key).WithCallerTags(new CallerTags(tenant));

    [Fact]
    public async Task A_repeat_with_the_same_key_gets_the_first_answer_without_calling_the_model_again()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("Paris").WithUsage(12, 1));
        var client = Idempotent(scripted);

        var first = await client.GetResponseAsync("Capital of France?", Keyed("k1"));
        var repeat = await client.GetResponseAsync("Capital of France?", Keyed("k1"));

        Assert.Single(scripted.Requests);
        Assert.False(first.IsIdempotentReplay());
        Assert.True(repeat.IsIdempotentReplay());
        Assert.Equal(("Paris", first.ResponseId, 12L), (repeat.Text, repeat.ResponseId, repeat.Usage!.InputTokenCount!.Value));
    }

    [Fact]
    public async Task Concurrent_repeats_wait_for_the_running_call_and_share_its_answer()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("slow answer").After(TimeSpan.FromMilliseconds(300)));
        var client = Idempotent(scripted);

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => client.GetResponseAsync("Q", Keyed("k2")))));

        Assert.Single(scripted.Requests);
        Assert.All(answers, a => Assert.Equal("slow answer", a.Text));
        Assert.Single(answers, a => !a.IsIdempotentReplay());
    }

    [Fact]
    public async Task A_streamed_answer_is_stored_once_complete_and_a_repeat_that_arrives_mid_stream_receives_it_whole()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("one two three").StreamedAs("one ", "two ", "three").WithChunkDelay(TimeSpan.FromMilliseconds(100)));
        var client = Idempotent(scripted);

        var firstChunks = new List<string>();
        Task<List<ChatResponseUpdate>>? repeat = null;
        await foreach (var update in client.GetStreamingResponseAsync("Count", Keyed("k3")))
        {
            firstChunks.Add(update.Text);
            repeat ??= Task.Run(async () =>
            {
                var updates = new List<ChatResponseUpdate>();
                await foreach (var u in client.GetStreamingResponseAsync("Count", Keyed("k3")))
                {
                    updates.Add(u);
                }

                return updates;
            });
        }

        var replayed = await repeat!;
        Assert.Single(scripted.Requests);
        Assert.Equal("one two three", string.Concat(firstChunks));
        Assert.Equal("one two three", replayed.ToChatResponse().Text);
        Assert.All(replayed, u => Assert.True(u.IsIdempotentReplay()));

        var asResponse = await client.GetResponseAsync("Count", Keyed("k3"));
        Assert.Equal(("one two three", true), (asResponse.Text, asResponse.IsIdempotentReplay()));
    }

    [Fact]
    public async Task A_failed_call_or_an_abandoned_stream_stores_nothing_and_its_repeat_runs_again()
    {
        var scripted = new ScriptedChatClient()
            .EnqueueError(Errors.LlmErrorKind.ServerError)
            .EnqueueText("second try")
            .Enqueue(ScriptedTurn.FromText("a b c").StreamedAs("a ", "b ", "c"))
            .EnqueueText("after the abandoned stream");
        var client = Idempotent(scripted);

        await Assert.ThrowsAsync<Errors.LlmException>(() => client.GetResponseAsync("Q", Keyed("k4")));
        Assert.Equal("second try", (await client.GetResponseAsync("Q", Keyed("k4"))).Text);

        await foreach (var _ in client.GetStreamingResponseAsync("S", Keyed("k5")))
        {
            break; // the reader walks away
        }

        Assert.Equal(IdempotencyStatus.Absent, (await _store.GetAsync("default\nmain\nk5")).Status);
        Assert.Equal("after the abandoned stream", (await client.GetResponseAsync("S", Keyed("k5"))).Text);
        Assert.Equal(4, scripted.Requests.Count);
    }

    [Fact]
    public async Task A_key_reused_for_a_different_request_is_refused_and_tenants_never_share_a_key()
    {
        var scripted = new ScriptedChatClient().RespondToEveryRequest(r => ScriptedTurn.FromText("answer to " + r.Messages[^1].Text));
        var client = Idempotent(scripted);
        await client.GetResponseAsync("first question", Keyed("k6", "acme"));

        var reused = await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() => client.GetResponseAsync("another question", Keyed("k6", "acme")));
        Assert.Equal(Errors.LlmErrorKind.BadRequest, reused.Kind);
        Assert.Equal("k6", reused.Key);

        var otherTenant = await client.GetResponseAsync("another question", Keyed("k6", "globex"));
        Assert.Equal(("answer to another question", false), (otherTenant.Text, otherTenant.IsIdempotentReplay()));
        Assert.Equal(2, scripted.Requests.Count);
    }

    [Fact]
    public async Task A_repeat_gives_up_after_the_wait_timeout_while_the_first_call_still_runs()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("late").After(TimeSpan.FromSeconds(2)));
        var client = Idempotent(scripted, new IdempotencyOptions { WaitTimeout = TimeSpan.FromMilliseconds(200) });
        var first = client.GetResponseAsync("Q", Keyed("k7"));
        await Task.Delay(50);

        var gaveUp = await Assert.ThrowsAsync<IdempotentRequestInProgressException>(() => client.GetResponseAsync("Q", Keyed("k7")));
        Assert.True(gaveUp.Waited >= TimeSpan.FromMilliseconds(200));
        Assert.Equal("late", (await first).Text);
    }

    [Fact]
    public async Task Calls_without_a_key_pass_through_and_a_key_longer_than_255_characters_is_refused()
    {
        var scripted = new ScriptedChatClient().EnqueueText("a").EnqueueText("b");
        var client = Idempotent(scripted);
        Assert.Equal("a", (await client.GetResponseAsync("Q")).Text);
        Assert.Equal("b", (await client.GetResponseAsync("Q")).Text);
        Assert.Throws<ArgumentException>(() => new ChatOptions().WithIdempotencyKey(new string('k', 256)));
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task In_the_pipeline_the_stage_sits_outside_every_other_so_a_replay_reaches_neither_the_model_nor_the_ledger()
    {
        var scripted = new ScriptedChatClient().RespondToEveryRequest(_ => ScriptedTurn.FromText("ok").WithUsage(5, 1));
        var services = new ServiceCollection();
        services.AddLlmKit().AddIdempotency().UseUsageLedger().AddInMemoryUsageStore().UseResponseCache().AddChatClient("main", scripted);
        services.AddDistributedMemoryCache();
        await using var provider = services.BuildServiceProvider();
        var chat = provider.GetRequiredService<ILlmKitChatClients>().GetChatClient("main");

        var names = chat.GetService<ChatPipelineDescription>()!.StageNames;
        Assert.Equal(IdempotencyBuilderExtensions.StageName, names[0]);

        await chat.GetResponseAsync("Q", Keyed("k8"));
        var replay = await chat.GetResponseAsync("Q", Keyed("k8"));
        Assert.True(replay.IsIdempotentReplay());
        Assert.Single(scripted.Requests);
        Assert.Single(provider.GetRequiredService<InMemoryUsageStore>().Entries);
    }
}
