using LlmKit.ChatCompletion;
using LlmKit.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace LlmKit.Testing.Tests;

public sealed class ScriptedChatClientTests
{
    [Fact]
    public async Task Answers_turns_in_order_with_usage_model_and_finish_reason()
    {
        var chat = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromText("Paris").WithUsage(12, 1, cachedInputTokens: 4, cacheWriteInputTokens: 8).WithModel("gpt-4o-2024-08-06"))
            .Enqueue(ScriptedTurn.Truncated("The answer is"));

        var first = await chat.GetResponseAsync("Capital of France?");
        var second = await chat.GetResponseAsync("And of Italy?");

        Assert.Equal("Paris", first.Text);
        Assert.Equal(ChatFinishReason.Stop, first.FinishReason);
        Assert.Equal("gpt-4o-2024-08-06", first.ModelId);
        Assert.Equal((12L, 1L, 4L, 8L), (first.Usage!.InputTokenCount, first.Usage.OutputTokenCount, first.Usage.CachedInputTokenCount, first.Usage.GetCacheWriteInputTokenCount()));
        Assert.Equal(("The answer is", ChatFinishReason.Length), (second.Text, second.FinishReason));
        Assert.Equal(0, chat.RemainingTurns);
    }

    [Fact]
    public async Task Streams_text_split_where_the_test_says_then_a_final_update_with_finish_reason_and_usage()
    {
        var chat = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("Hello, world").StreamedAs("Hel", "lo, ", "world").WithUsage(5, 3));

        var updates = await chat.GetStreamingResponseAsync("hi").ToListAsync();

        Assert.Equal(["Hel", "lo, ", "world", ""], updates.Select(u => u.Text));
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.FinishReason));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        var combined = updates.ToChatResponse();
        Assert.Equal("Hello, world", combined.Text);
        Assert.Equal(3, combined.Usage!.OutputTokenCount);
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
    }

    [Fact]
    public async Task Streams_by_word_when_no_split_is_given()
    {
        var chat = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("one two  three"));

        var texts = await chat.GetStreamingResponseAsync("hi").Select(u => u.Text).ToListAsync();

        Assert.Equal(["one ", "two  ", "three", ""], texts);
    }

    [Fact]
    public void StreamedAs_rejects_chunks_that_do_not_join_to_the_text() =>
        Assert.Throws<ArgumentException>(() => ScriptedTurn.FromText("abc").StreamedAs("ab", "d"));

    [Fact]
    public async Task Tool_calls_arrive_as_function_call_content_both_ways()
    {
        var chat = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromToolCalls(
                ScriptedTurn.CreateToolCall("get_order", new { id = 42 }, "call_1"),
                ScriptedTurn.CreateToolCall("get_customer", new { name = "Ada" }, "call_2")))
            .Enqueue(ScriptedTurn.FromToolCallJson("refund", "{\"amount\": 12,", "call_3"));

        var response = await chat.GetResponseAsync("refund order 42");
        var streamed = await chat.GetStreamingResponseAsync("again").ToListAsync();

        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(["get_order", "get_customer"], calls.Select(c => c.Name));
        Assert.Equal("42", calls[0].Arguments!["id"]!.ToString());
        var malformed = streamed.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Single();
        Assert.Equal("call_3", malformed.CallId);
        Assert.NotNull(malformed.Exception);
        Assert.Equal(ChatFinishReason.ToolCalls, streamed[^1].FinishReason);
    }

    [Fact]
    public async Task Refusals_and_content_filtering_are_recognisable()
    {
        var chat = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromRefusal("I can't help with that."))
            .Enqueue(ScriptedTurn.ContentFiltered());

        var refused = await chat.GetResponseAsync("x");
        var filtered = await chat.GetStreamingResponseAsync("y").ToListAsync();

        Assert.Equal("I can't help with that.", refused.GetRefusal());
        Assert.Equal(ChatFinishReason.ContentFilter, filtered[^1].FinishReason);
        Assert.Null(filtered.ToChatResponse().GetRefusal());
    }

    [Theory]
    [InlineData(LlmErrorKind.RateLimited, 429, true)]
    [InlineData(LlmErrorKind.Overloaded, 503, true)]
    [InlineData(LlmErrorKind.ContextLengthExceeded, 400, false)]
    [InlineData(LlmErrorKind.Authentication, 401, false)]
    public async Task Errors_are_thrown_as_LlmException_of_the_scripted_kind_on_both_paths(LlmErrorKind kind, int status, bool transient)
    {
        var chat = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromError(kind, retryAfter: TimeSpan.FromSeconds(3)))
            .EnqueueError(kind);

        var direct = await Assert.ThrowsAsync<LlmException>(() => chat.GetResponseAsync("x"));
        var streamed = await Assert.ThrowsAsync<LlmException>(async () => await chat.GetStreamingResponseAsync("x").ToListAsync());

        Assert.Equal((kind, status, transient, TimeSpan.FromSeconds(3)), (direct.Kind, direct.StatusCode!.Value, direct.IsTransient, direct.RetryAfter!.Value));
        Assert.Equal(kind, streamed.Kind);
        Assert.Null(streamed.RetryAfter);
    }

    [Fact]
    public async Task A_stream_can_fail_midway_after_delivering_some_updates()
    {
        var chat = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("a b c d").FailingAfter(2));
        var received = new List<string>();

        var ex = await Assert.ThrowsAsync<LlmException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("x"))
            {
                received.Add(update.Text);
            }
        });

        Assert.Equal(["a ", "b "], received);
        Assert.Equal(LlmErrorKind.Network, ex.Kind);
    }

    [Fact]
    public async Task Delays_run_on_the_injected_clock_and_honour_cancellation()
    {
        var time = new FakeTimeProvider();
        var chat = new ScriptedChatClient(time)
            .Enqueue(ScriptedTurn.FromText("slow").After(TimeSpan.FromSeconds(30)))
            .Enqueue(ScriptedTurn.FromText("never").After(TimeSpan.FromSeconds(30)));

        var pending = chat.GetResponseAsync("x");
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("slow", (await pending).Text);

        using var cts = new CancellationTokenSource();
        var cancelled = chat.GetResponseAsync("y", cancellationToken: cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }

    [Fact]
    public async Task Records_each_request_as_it_was_when_it_arrived()
    {
        var chat = new ScriptedChatClient().EnqueueText("a").EnqueueText("b");
        var history = new List<ChatMessage> { new(ChatRole.System, "Be brief."), new(ChatRole.User, "first") };
        var options = new ChatOptions { Temperature = 0.1f, ModelId = "m1" };

        await chat.GetResponseAsync(history, options);
        history.Add(new ChatMessage(ChatRole.User, "second"));
        options.Temperature = 0.9f;
        await chat.GetStreamingResponseAsync(history, options).ToListAsync();

        var requests = chat.Requests;
        Assert.Equal(2, requests[0].Messages.Count);
        Assert.Equal(0.1f, requests[0].Options!.Temperature);
        Assert.False(requests[0].IsStreaming);
        Assert.Equal(3, requests[1].Messages.Count);
        Assert.Equal("second", requests[1].LastUserText);
        Assert.True(requests[1].IsStreaming);
        Assert.Equal([0, 1], requests.Select(r => r.Index));
    }

    [Fact]
    public async Task Concurrent_callers_each_consume_exactly_one_turn()
    {
        const int Calls = 200;
        var chat = new ScriptedChatClient();
        for (int i = 0; i < Calls; i++)
        {
            chat.EnqueueText($"answer {i}");
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, Calls).Select(_ => Task.Run(() => chat.GetResponseAsync("q"))));

        Assert.Equal(Calls, answers.Select(a => a.Text).Distinct().Count());
        Assert.Equal(Calls, chat.Requests.Count);
        Assert.Equal(Calls, chat.Requests.Select(r => r.Index).Distinct().Count());
    }

    [Fact]
    public async Task Running_out_of_script_fails_loudly_with_the_offending_request()
    {
        var chat = new ScriptedChatClient().EnqueueText("only one");
        await chat.GetResponseAsync("first");

        var ex = await Assert.ThrowsAsync<ScriptExhaustedException>(() => chat.GetResponseAsync("one too many"));

        Assert.Contains("request #2", ex.Message);
        Assert.Contains("only 1 turn(s)", ex.Message);
        Assert.Contains("one too many", ex.Message);
    }

    [Fact]
    public async Task A_fallback_responder_answers_after_the_script_and_sees_the_request()
    {
        var chat = new ScriptedChatClient()
            .EnqueueText("scripted")
            .RespondToEveryRequest(r => ScriptedTurn.FromText("echo " + r.LastUserText));

        Assert.Equal("scripted", (await chat.GetResponseAsync("a")).Text);
        Assert.Equal("echo b", (await chat.GetResponseAsync("b")).Text);
        Assert.Equal("echo c", (await chat.GetResponseAsync("c")).Text);
    }

    [Fact]
    public async Task Explicit_updates_are_replayed_verbatim_and_combined_for_non_streaming_calls()
    {
        ChatResponseUpdate[] updates =
        [
            new(ChatRole.Assistant, "{\"a\":") { ResponseId = "r1" },
            new(ChatRole.Assistant, "1}") { ResponseId = "r1", FinishReason = ChatFinishReason.Stop },
        ];
        var chat = new ScriptedChatClient().Enqueue(ScriptedTurn.FromUpdates(updates), ScriptedTurn.FromUpdates(updates));

        Assert.Same(updates[0], (await chat.GetStreamingResponseAsync("x").ToListAsync())[0]);
        Assert.Equal("{\"a\":1}", (await chat.GetResponseAsync("y")).Text);
    }

    [Fact]
    public void Reports_metadata_and_itself_as_services()
    {
        using var chat = new ScriptedChatClient(modelId: "m");

        Assert.Equal("m", chat.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Same(chat, chat.GetService<ScriptedChatClient>());
        Assert.Null(chat.GetService<ScriptedChatClient>("key"));
    }
}
