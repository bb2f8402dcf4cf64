using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Providers.Anthropic;
using LlmKit.Providers.Tests.Recordings;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests.Anthropic;

/// <summary>
/// Replays real recorded Messages API traffic: LlmKit rebuilds each recorded call from Microsoft.Extensions.AI types,
/// the request it sends must match the recorded one, and the recorded answer must come back intact, with usage in
/// LlmKit's convention.
/// </summary>
public sealed class AnthropicWireTests
{
    private const string ApiKey = "sk-ant-test-wire-0123456789";

    public static TheoryData<string, SseChunking> ChatRecordings()
    {
        var data = new TheoryData<string, SseChunking>();
        foreach (string name in new[]
        {
            "llm-anthropic-schema-stream", "llm-anthropic-stream-basic", "llm-anthropic-stream-tool-use",
            "mirascope-max-tokens", "mirascope-structured-output", "pydantic-native-output-strict",
            "pydantic-prompt-cache", "pydantic-prompted-output", "pydantic-thinking-stream", "pydantic-tool-output",
            "rubyllm-json-schema", "rubyllm-parallel-tool-use", "rubyllm-stream-tools-multi-turn",
        })
        {
            data.Add(name, SseChunking.PerEvent);
            data.Add(name, SseChunking.SevenBytes);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ChatRecordings))]
    public async Task Sends_the_recorded_request_and_returns_the_recorded_answer(string name, SseChunking chunking)
    {
        var recording = Recording.Load("anthropic", name);
        await using var server = recording.Serve(chunking);
        using var client = new AnthropicChatClient(new AnthropicProviderOptions { ApiKey = ApiKey, Endpoint = server.BaseUri });

        for (int i = 0; i < recording.Interactions.Count; i++)
        {
            var interaction = recording.Interactions[i];
            var call = AnthropicRecordedRequest.From(interaction.RequestBody!);

            ChatResponse response = call.Stream
                ? await client.GetStreamingResponseAsync(call.Messages, call.Options).ToChatResponseAsync()
                : await client.GetResponseAsync(call.Messages, call.Options);

            var sent = server.Requests[i];
            Assert.Equal("/v1/messages", sent.Target);
            Assert.Equal(ApiKey, sent.Header("x-api-key"));
            Assert.Equal("2023-06-01", sent.Header("anthropic-version"));
            WireJson.AssertEquivalent(interaction.RequestBody, sent.Json);

            var expected = AnthropicExpected.From(interaction);
            Assert.Equal(expected.Text, response.Text);
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            Assert.Equal(expected.ToolCalls.Count, calls.Count);
            for (int c = 0; c < calls.Count; c++)
            {
                Assert.Equal(expected.ToolCalls[c].Id, calls[c].CallId);
                Assert.Equal(expected.ToolCalls[c].Name, calls[c].Name);
                Assert.True(JsonNode.DeepEquals(expected.ToolCalls[c].Input, JsonSerializer.SerializeToNode(calls[c].Arguments)),
                    $"input of call {c}: expected {expected.ToolCalls[c].Input.ToJsonString()}, got {JsonSerializer.Serialize(calls[c].Arguments)}");
            }

            Assert.Equal(expected.StopReason switch
            {
                "end_turn" or "stop_sequence" => ChatFinishReason.Stop,
                "tool_use" => ChatFinishReason.ToolCalls,
                "max_tokens" => ChatFinishReason.Length,
                _ => (ChatFinishReason?)null,
            }, response.FinishReason);
            Assert.Equal(expected.Model, response.ModelId);

            // LlmKit's usage convention: input counts the whole prompt, cache reads and writes included.
            long wholePrompt = (expected.InputTokens ?? 0) + (expected.CacheReadTokens ?? 0) + (expected.CacheWriteTokens ?? 0);
            Assert.Equal(wholePrompt, response.Usage?.InputTokenCount);
            Assert.Equal(expected.OutputTokens, response.Usage?.OutputTokenCount);
            Assert.Equal(expected.CacheReadTokens, response.Usage?.CachedInputTokenCount);
            Assert.Equal(expected.CacheWriteTokens, response.Usage?.GetCacheWriteInputTokenCount());
            Assert.Equal(expected.Thought, response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Any(r => r.Text.Length > 0));
        }
    }

    [Fact]
    public async Task Prompt_cache_reads_and_writes_are_counted_inside_the_input_tokens()
    {
        // Recorded: call 1 read 1111 cached tokens (input_tokens 3); call 2 read 1111 and wrote 418 (input_tokens 3).
        var recording = Recording.Load("anthropic", "pydantic-prompt-cache");
        await using var server = recording.Serve();
        using var client = new AnthropicChatClient(new() { ApiKey = ApiKey, Endpoint = server.BaseUri });

        var first = AnthropicRecordedRequest.From(recording.Interactions[0].RequestBody!);
        var second = AnthropicRecordedRequest.From(recording.Interactions[1].RequestBody!);
        var readOnly = (await client.GetResponseAsync(first.Messages, first.Options)).Usage!;
        var readAndWrite = (await client.GetResponseAsync(second.Messages, second.Options)).Usage!;

        Assert.Equal(3 + 1111, readOnly.InputTokenCount);
        Assert.Equal(1111, readOnly.CachedInputTokenCount);
        Assert.Equal(0, readOnly.GetCacheWriteInputTokenCount());
        Assert.Equal(3 + 1111 + 418, readAndWrite.InputTokenCount);
        Assert.Equal(1111, readAndWrite.CachedInputTokenCount);
        Assert.Equal(418, readAndWrite.GetCacheWriteInputTokenCount());
        Assert.Equal(readAndWrite.InputTokenCount + 33, readAndWrite.TotalTokenCount);
    }

    [Theory]
    [InlineData("pydantic-model-not-found-404", LlmErrorKind.NotFound, 404, "not_found_error")]
    [InlineData("rubyllm-auth-error-401", LlmErrorKind.Authentication, 401, "authentication_error")]
    public async Task Recorded_error_responses_become_typed_exceptions(string name, LlmErrorKind kind, int status, string code)
    {
        var recording = Recording.Load("anthropic", name);
        await using var server = recording.Serve();
        var call = AnthropicRecordedRequest.From(recording.Interactions[0].RequestBody!);
        using var client = new AnthropicChatClient(new() { ApiKey = ApiKey, Endpoint = server.BaseUri });

        var ex = await Assert.ThrowsAsync<LlmException>(() => client.GetResponseAsync(call.Messages, call.Options));

        Assert.Equal(kind, ex.Kind);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(code, ex.ProviderErrorCode);
        Assert.Equal("anthropic", ex.Provider);
        Assert.Equal(call.Options.ModelId, ex.Model);
        Assert.NotNull(ex.RequestId);
    }
}
