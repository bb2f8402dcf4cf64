using System.Text.Json.Nodes;
using LlmKit.Batches;
using LlmKit.Errors;
using LlmKit.Providers.Anthropic;
using Microsoft.Extensions.AI;
using static LlmKit.Providers.Tests.Batches.OpenAIBatchChatClientTests;

namespace LlmKit.Providers.Tests.Batches;

/// <summary>Anthropic's Message Batches against the loopback batch server.</summary>
public sealed class AnthropicBatchChatClientTests
{
    internal static AnthropicBatchChatClient Client(BatchServer server) =>
        new(new AnthropicProviderOptions { Endpoint = server.AnthropicEndpoint, ApiKey = BatchServer.AnthropicKey });

    internal static BatchChatRequest Claude(string id, string question) =>
        new(id, [new ChatMessage(ChatRole.User, question)], new ChatOptions { ModelId = "claude-3-5-haiku", MaxOutputTokens = 200 });

    [Fact]
    public async Task The_batch_goes_from_in_progress_to_ended_and_answers_come_back_by_custom_id()
    {
        await using var server = new BatchServer();
        using var client = Client(server);

        var job = await client.SubmitAsync([Claude("one", "Hi"), Claude("two", "Bye")]);
        var ended = await client.GetBatchAsync(job.Id);

        Assert.Equal((BatchStatus.InProgress, 2, 2), (job.Status, job.Counts.Total, job.Counts.Pending));
        Assert.Equal(BatchStatus.Completed, ended.Status);
        Assert.Equal(new BatchRequestCounts(2, 2, 0), ended.Counts);
        var body = server.Requests[0].Json!;
        Assert.Equal(("POST", "/v1/messages/batches"), (server.Requests[0].Method, server.Requests[0].Target));
        Assert.Equal("two", (string?)body["requests"]![1]!["custom_id"]);
        Assert.Equal(200, (int?)body["requests"]![1]!["params"]!["max_tokens"]);
        Assert.Null(body["requests"]![1]!["params"]!["stream"]);
        Assert.Equal("2023-06-01", server.Requests[0].Header("anthropic-version"));

        var lines = await ToListAsync(client.ReadResultsAsync(job.Id));
        Assert.Equal("answer to two", lines.Single(l => l.CustomId == "two").Response!.Text);
        Assert.Equal("claude-3-5-haiku-20241022", lines[0].Response!.ModelId);
    }

    [Fact]
    public async Task Errored_cancelled_and_expired_results_are_typed_failures()
    {
        await using var server = new BatchServer
        {
            Ending = ServerEnding.Expire,
            FinishedBeforeEnd = 2,
            Answer = (id, _) => id == "bad" ? ServerAnswer.Fail(400, "invalid_request_error", "prompt is too long: 250000 tokens > 200000 maximum") : ServerAnswer.Ok("ok"),
        };
        using var client = Client(server);
        var expired = await RunToEndAsync(client, [Claude("good", "a"), Claude("bad", "b"), Claude("late", "c")]);

        Assert.Equal(BatchStatus.Expired, expired.Status);
        Assert.Equal(new BatchRequestCounts(3, 1, 1, 0, 1), expired.Counts);
        var lines = (await ToListAsync(client.ReadResultsAsync(expired.Id))).ToDictionary(l => l.CustomId!);
        Assert.Equal(LlmErrorKind.ContextLengthExceeded, lines["bad"].Failure!.ErrorKind);
        Assert.Equal("req_1", lines["bad"].Failure!.Error!.RequestId);
        Assert.Equal(BatchFailureKind.Expired, lines["late"].Failure!.Kind);

        server.Ending = ServerEnding.Complete;
        server.FinishedBeforeEnd = 0;
        var job = await client.SubmitAsync([Claude("c1", "a")]);
        var cancelling = await client.CancelAsync(job.Id);
        var cancelled = await client.GetBatchAsync(job.Id);
        Assert.Equal((BatchStatus.Cancelling, BatchStatus.Cancelled), (cancelling.Status, cancelled.Status));
        var line = Assert.Single(await ToListAsync(client.ReadResultsAsync(job.Id)));
        Assert.Equal(BatchFailureKind.Cancelled, line.Failure!.Kind);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("ünïcode")]
    public async Task A_custom_id_Anthropic_would_reject_is_refused_before_anything_is_sent(string customId)
    {
        await using var server = new BatchServer();
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.SubmitAsync([Claude(customId, "a")]));

        Assert.Contains(customId.Length == 0 ? "empty" : "not valid", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Broken_result_lines_and_unknown_result_types_are_reported_per_line()
    {
        await using var server = new BatchServer();
        server.ExtraResultLines.Add("not json at all");
        server.ExtraResultLines.Add(new JsonObject { ["custom_id"] = "x", ["result"] = new JsonObject { ["type"] = "teleported" } }.ToJsonString());
        using var client = Client(server);
        var job = await RunToEndAsync(client, [Claude("a", "b")]);

        var lines = await ToListAsync(client.ReadResultsAsync(job.Id));

        Assert.Equal("answer to a", lines[0].Response!.Text);
        Assert.Equal((2, null), (lines[1].LineNumber, lines[1].CustomId));
        Assert.Contains("not valid JSON", lines[1].Problem, StringComparison.Ordinal);
        Assert.Equal((3, "x"), (lines[2].LineNumber, lines[2].CustomId));
        Assert.Contains("teleported", lines[2].Problem, StringComparison.Ordinal);
    }
}
