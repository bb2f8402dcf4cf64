using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.Providers.OpenAI;
using LlmKit.Providers.Tests.Recordings;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests.OpenAI;

/// <summary>
/// Replays real recorded Chat Completions traffic: LlmKit rebuilds each recorded call from Microsoft.Extensions.AI
/// types, the request it sends must match the recorded one, and the recorded answer must come back intact.
/// </summary>
public sealed class OpenAIWireTests
{
    private const string ApiKey = "sk-test-wire-0123456789";

    public static TheoryData<string, SseChunking> ChatRecordings()
    {
        var data = new TheoryData<string, SseChunking>();
        foreach (string name in new[]
        {
            "compat-stream-tool-call-single-chunk", "dotnet-consecutive-tool-calls", "dotnet-developer-message",
            "dotnet-hello-world", "dotnet-json-object", "dotnet-multi-message", "dotnet-no-parameter-tool",
            "dotnet-reasoning-tokens", "dotnet-streaming-logprobs", "dotnet-strict-tool-schema",
            "dotnet-structured-output-nonstrict", "dotnet-structured-output-strict", "dotnet-tool-parameters",
            "dotnet-two-turn", "envoy-agents-json-schema", "envoy-json-mode", "envoy-parallel-tools-param",
            "envoy-streaming", "llm-stream-tool-call-deltas", "llm-tool-chain-two-calls", "mirascope-max-tokens",
            "mirascope-refusal", "mirascope-structured-strict-stream", "pydantic-native-output-json-schema",
            "pydantic-prompt-cache-cached-tokens", "pydantic-stream-tool-call", "rubyllm-json-schema",
            "rubyllm-parallel-tool-calls", "rubyllm-streaming",
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
        var recording = Recording.Load("openai", name);
        await using var server = recording.Serve(chunking);

        for (int i = 0; i < recording.Interactions.Count; i++)
        {
            var interaction = recording.Interactions[i];
            var call = OpenAIRecordedRequest.From(interaction.RequestBody!);
            using var client = new OpenAIChatClient(new OpenAIProviderOptions
            {
                ApiKey = ApiKey,
                Endpoint = new Uri(server.BaseUri, "v1/"),
                IncludeStreamUsage = call.IncludeUsage,
                UseMaxCompletionTokens = call.UsesMaxCompletionTokens,
            });

            ChatResponse response = call.Stream
                ? await client.GetStreamingResponseAsync(call.Messages, call.Options).ToChatResponseAsync()
                : await client.GetResponseAsync(call.Messages, call.Options);

            var sent = server.Requests[i];
            Assert.Equal("POST", sent.Method);
            Assert.Equal("/v1/chat/completions", sent.Target);
            Assert.Equal($"Bearer {ApiKey}", sent.Header("Authorization"));
            WireJson.AssertEquivalent(interaction.RequestBody, sent.Json);

            var expected = OpenAIExpected.From(interaction);
            Assert.Equal(expected.Text, response.Text);
            Assert.Equal(expected.Refusal, response.GetRefusal());
            var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
            Assert.Equal(expected.ToolCalls.Count, calls.Count);
            for (int c = 0; c < calls.Count; c++)
            {
                Assert.Equal(expected.ToolCalls[c].Id, calls[c].CallId);
                Assert.Equal(expected.ToolCalls[c].Name, calls[c].Name);
                Assert.Null(calls[c].Exception);
                Assert.True(JsonNode.DeepEquals(expected.ToolCalls[c].Arguments, JsonSerializer.SerializeToNode(calls[c].Arguments)),
                    $"arguments of call {c}: expected {expected.ToolCalls[c].Arguments.ToJsonString()}, got {JsonSerializer.Serialize(calls[c].Arguments)}");
            }

            Assert.Equal(expected.FinishReason, response.FinishReason?.Value);
            Assert.Equal(expected.Model, response.ModelId);
            Assert.Equal(expected.InputTokens, response.Usage?.InputTokenCount);
            Assert.Equal(expected.OutputTokens, response.Usage?.OutputTokenCount);
            Assert.Equal(expected.CachedTokens, response.Usage?.CachedInputTokenCount);
            Assert.Equal(expected.ReasoningTokens, response.Usage?.ReasoningTokenCount);
        }
    }

    [Fact]
    public async Task Reports_cached_and_reasoning_tokens_from_the_usage_details()
    {
        var cache = Recording.Load("openai", "pydantic-prompt-cache-cached-tokens");
        var reasoning = Recording.Load("openai", "dotnet-reasoning-tokens");
        var cachedSecondCall = OpenAIExpected.From(cache.Interactions[1]);
        var reasoned = OpenAIExpected.From(reasoning.Interactions[0]);

        // The recordings were picked because these counts are non-zero; the generic replay test checks the mapping.
        Assert.True(cachedSecondCall.CachedTokens > 0);
        Assert.True(reasoned.ReasoningTokens > 0);

        await using var server = reasoning.Serve();
        var call = OpenAIRecordedRequest.From(reasoning.Interactions[0].RequestBody!);
        using var client = new OpenAIChatClient(new() { ApiKey = ApiKey, Endpoint = new Uri(server.BaseUri, "v1/") });
        var response = await client.GetResponseAsync(call.Messages, call.Options);
        Assert.Equal(reasoned.ReasoningTokens, response.Usage!.ReasoningTokenCount);
        Assert.Equal(reasoned.OutputTokens, response.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task A_refusal_becomes_refusal_content_not_text()
    {
        var recording = Recording.Load("openai", "mirascope-refusal");
        await using var server = recording.Serve();
        var call = OpenAIRecordedRequest.From(recording.Interactions[0].RequestBody!);
        using var client = new OpenAIChatClient(new() { ApiKey = ApiKey, Endpoint = new Uri(server.BaseUri, "v1/") });

        var response = await client.GetResponseAsync(call.Messages, call.Options);

        Assert.Equal("I'm very sorry, but I can't assist with that request.", response.GetRefusal());
        Assert.Empty(response.Text);
        Assert.Contains("\"strict\":true", server.Requests[0].BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Azure_deployment_urls_work_through_a_custom_endpoint_and_api_key_header()
    {
        var recording = Recording.Load("openai", "envoy-azure-chat-basic");
        await using var server = recording.Serve();
        var call = OpenAIRecordedRequest.From(recording.Interactions[0].RequestBody!);
        using var client = new OpenAIChatClient(new()
        {
            ApiKey = ApiKey,
            ApiKeyHeaderName = "api-key",
            Endpoint = new Uri(server.BaseUri, "openai/deployments/gpt-5-nano"),
        });

        var response = await client.GetResponseAsync(call.Messages, call.Options);

        Assert.Equal("/openai/deployments/gpt-5-nano/chat/completions", server.Requests[0].Target);
        Assert.Equal(ApiKey, server.Requests[0].Header("api-key"));
        Assert.Null(server.Requests[0].Header("Authorization"));
        Assert.Equal(OpenAIExpected.From(recording.Interactions[0]).Text, response.Text);
    }

    [Theory]
    [InlineData("dotnet-auth-failure-401", LlmErrorKind.Authentication, 401, "invalid_api_key")]
    [InlineData("pydantic-model-not-found-404", LlmErrorKind.NotFound, 404, "model_not_found")]
    [InlineData("envoy-empty-messages-400", LlmErrorKind.BadRequest, 400, "empty_array")]
    public async Task Recorded_error_responses_become_typed_exceptions(string name, LlmErrorKind kind, int status, string code)
    {
        var recording = Recording.Load("openai", name);
        await using var server = recording.Serve();
        var call = OpenAIRecordedRequest.From(recording.Interactions[0].RequestBody!);
        using var client = new OpenAIChatClient(new() { ApiKey = ApiKey, Endpoint = new Uri(server.BaseUri, "v1/") });

        var ex = await Assert.ThrowsAsync<LlmException>(async () =>
        {
            if (call.Stream)
            {
                await foreach (var _ in client.GetStreamingResponseAsync(call.Messages, call.Options))
                {
                }
            }
            else
            {
                await client.GetResponseAsync(call.Messages, call.Options);
            }
        });

        Assert.Equal(kind, ex.Kind);
        Assert.Equal(status, ex.StatusCode);
        Assert.Equal(code, ex.ProviderErrorCode);
        Assert.Equal("openai", ex.Provider);
        Assert.Equal(call.Options.ModelId, ex.Model);
        Assert.False(ex.IsTransient);
        Assert.DoesNotContain("*****", ex.Message, StringComparison.Ordinal); // OpenAI echoes a masked key in 401s
    }

    [Theory]
    [InlineData("dotnet-embeddings-multiple")]
    [InlineData("envoy-embeddings-base64")]
    [InlineData("envoy-embeddings-basic")]
    [InlineData("envoy-embeddings-dimensions")]
    public async Task Embeddings_send_the_recorded_request_and_decode_both_encodings(string name)
    {
        var recording = Recording.Load("openai", name);
        var interaction = recording.Interactions[0];
        var body = interaction.RequestBody!.AsObject();
        await using var server = recording.Serve();
        using var generator = new OpenAIEmbeddingGenerator(new()
        {
            ApiKey = ApiKey,
            Endpoint = new Uri(server.BaseUri, "v1/"),
            EmbeddingEncoding = (string?)body["encoding_format"] == "base64" ? OpenAIEmbeddingEncoding.Base64 : OpenAIEmbeddingEncoding.Float,
        });
        var inputs = body["input"] is JsonArray array ? array.Select(i => (string)i!).ToList() : [(string)body["input"]!];

        var embeddings = await generator.GenerateAsync(inputs, new EmbeddingGenerationOptions
        {
            ModelId = (string?)body["model"],
            Dimensions = (int?)body["dimensions"],
        });

        var expectedBody = body.DeepClone().AsObject();
        expectedBody["input"] = new JsonArray(inputs.Select(i => (JsonNode)JsonValue.Create(i)).ToArray());
        WireJson.AssertEquivalent(expectedBody, server.Requests[0].Json);
        Assert.Equal("/v1/embeddings", server.Requests[0].Target);

        var recorded = JsonNode.Parse(interaction.Body)!;
        var data = recorded["data"]!.AsArray();
        Assert.Equal(data.Count, embeddings.Count);
        for (int i = 0; i < data.Count; i++)
        {
            float[] expected = data[i]!["embedding"] is JsonArray numbers
                ? numbers.Select(n => (float)n!).ToArray()
                : DecodeBase64((string)data[i]!["embedding"]!);
            Assert.Equal(expected, embeddings[i].Vector.ToArray());
        }

        Assert.Equal((long?)recorded["usage"]?["prompt_tokens"], embeddings.Usage?.InputTokenCount);
    }

    private static float[] DecodeBase64(string text)
    {
        byte[] bytes = Convert.FromBase64String(text);
        var result = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
        return result;
    }
}
