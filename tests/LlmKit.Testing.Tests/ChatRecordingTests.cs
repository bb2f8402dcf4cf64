using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Testing.Recording;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace LlmKit.Testing.Tests;

public sealed class ChatRecordingTests
{
    [Fact]
    public async Task A_recorded_conversation_replays_exactly_text_usage_streams_and_failures()
    {
        var real = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromText("Paris").WithUsage(inputTokens: 12, outputTokens: 1))
            .Enqueue(ScriptedTurn.FromText("Bonjour le monde").StreamedAs("Bon", "jour le ", "monde"))
            .Enqueue(ScriptedTurn.FromError(LlmErrorKind.RateLimited, retryAfter: TimeSpan.FromSeconds(3)))
            .Enqueue(ScriptedTurn.FromToolCall("lookup_order", new { id = 42 }, callId: "call_1"));
        var recorder = new RecordingChatClient(real, Cassette.Create(Cassette.ChatProvider, "conversation"));

        var first = await recorder.GetResponseAsync("Capital of France?");
        var streamed = await Texts(recorder.GetStreamingResponseAsync("Say hello in French"));
        await Assert.ThrowsAsync<LlmException>(() => recorder.GetResponseAsync("Again?"));
        var tool = await recorder.GetResponseAsync("Where is order 42?");

        var replay = new ReplayChatClient(Cassette.Parse(recorder.Cassette.ToJson()));
        var firstAgain = await replay.GetResponseAsync("Capital of France?");
        Assert.Equal(first.Text, firstAgain.Text);
        Assert.Equal(first.Usage!.InputTokenCount, firstAgain.Usage!.InputTokenCount);
        Assert.Equal(streamed, await Texts(replay.GetStreamingResponseAsync("Say hello in French")));
        var error = await Assert.ThrowsAsync<LlmException>(() => replay.GetResponseAsync("Again?"));
        Assert.Equal(LlmErrorKind.RateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
        var call = Assert.IsType<FunctionCallContent>(Assert.Single((await replay.GetResponseAsync("Where is order 42?")).Messages.SelectMany(m => m.Contents)));
        Assert.Equal(("lookup_order", "call_1"), (call.Name, call.CallId));
        Assert.Equal(["Bon", "jour le ", "monde"], streamed.Where(s => s.Length > 0));
        Assert.Equal(tool.FinishReason, ChatFinishReason.ToolCalls);
    }

    [Fact]
    public async Task A_request_that_was_not_recorded_fails_loudly_and_names_the_difference()
    {
        var recorder = new RecordingChatClient(new ScriptedChatClient().EnqueueText("4"));
        await recorder.GetResponseAsync("What is 2 + 2?");
        var replay = new ReplayChatClient(recorder.Cassette);

        var error = await Assert.ThrowsAsync<UnrecordedRequestException>(() => replay.GetResponseAsync("What is 2 + 3?"));
        Assert.Contains("2 + 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 + 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identical_requests_get_their_recorded_answers_in_order_and_no_more()
    {
        var recorder = new RecordingChatClient(new ScriptedChatClient().EnqueueText("heads").EnqueueText("tails"));
        await recorder.GetResponseAsync("Flip a coin");
        await recorder.GetResponseAsync("Flip a coin");
        var replay = new ReplayChatClient(recorder.Cassette);

        Assert.Equal("heads", (await replay.GetResponseAsync("Flip a coin")).Text);
        Assert.Equal("tails", (await replay.GetResponseAsync("Flip a coin")).Text);
        await Assert.ThrowsAsync<UnrecordedRequestException>(() => replay.GetResponseAsync("Flip a coin"));
    }

    [Fact]
    public async Task Caller_tags_do_not_change_which_recording_answers()
    {
        var recorder = new RecordingChatClient(new ScriptedChatClient().EnqueueText("ok"));
        await recorder.GetResponseAsync("Hi", new ChatOptions { Temperature = 0 }.WithCallerTags(new CallerTags("acme", "search", Guid.NewGuid().ToString())));
        var replay = new ReplayChatClient(recorder.Cassette);

        var response = await replay.GetResponseAsync("Hi", new ChatOptions { Temperature = 0 }.WithCallerTags(new CallerTags("globex", "search", Guid.NewGuid().ToString())));
        Assert.Equal("ok", response.Text);
        await Assert.ThrowsAsync<UnrecordedRequestException>(() => new ReplayChatClient(recorder.Cassette).GetResponseAsync("Hi", new ChatOptions { Temperature = 1 }));
    }

    [Fact]
    public void A_replay_reports_the_recorded_clients_capabilities_and_model()
    {
        var real = new ScriptedChatClient(modelId: "demo-model") { Capabilities = new ChatClientCapabilities { SupportsJsonSchemaResponseFormat = true } };
        var recorder = new RecordingChatClient(real);
        var replay = new ReplayChatClient(Cassette.Parse(recorder.Cassette.ToJson()));

        Assert.True(replay.GetService<ChatClientCapabilities>()!.SupportsJsonSchemaResponseFormat);
        Assert.Equal("demo-model", replay.GetService<ChatClientMetadata>()!.DefaultModelId);
    }

    [Fact]
    public void An_http_cassette_is_refused_by_the_chat_replayer_with_the_right_tool_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new ReplayChatClient(Cassette.Create("openai")));
        Assert.Contains(nameof(ReplayHttpHandler), error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string>> Texts(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var texts = new List<string>();
        await foreach (var update in updates)
        {
            texts.Add(update.Text);
        }

        return texts;
    }
}
