using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Batches;
using LlmKit.Errors;
using LlmKit.Providers.OpenAI;
using LlmKit.Schema;
using LlmKit.Tests.Shared;
using Microsoft.Extensions.AI;

namespace LlmKit.Providers.Tests.Batches;

/// <summary>OpenAI's Batch API against the loopback batch server: the wire, every status, results and per-request failures.</summary>
public sealed class OpenAIBatchChatClientTests
{
    internal static OpenAIBatchChatClient Client(BatchServer server) =>
        new(new OpenAIProviderOptions { Endpoint = server.OpenAIEndpoint, ApiKey = BatchServer.OpenAIKey });

    internal static BatchChatRequest Request(string id, string question, string model = "gpt-4o-mini") =>
        new(id, [new ChatMessage(ChatRole.User, question)], new ChatOptions { ModelId = model, Temperature = 0 });

    [Fact]
    public async Task The_batch_moves_through_every_documented_status_and_each_answer_comes_back_under_its_custom_id()
    {
        await using var server = new BatchServer();
        using var client = Client(server);

        var job = await client.SubmitAsync([Request("q-1", "What is 2+2?"), Request("q-2", "Capital of France?")]);
        var seen = new List<BatchStatus> { job.Status };
        while (!job.IsTerminal)
        {
            job = await client.GetBatchAsync(job.Id);
            seen.Add(job.Status);
        }

        Assert.Equal([BatchStatus.Validating, BatchStatus.InProgress, BatchStatus.Finalizing, BatchStatus.Completed], seen);
        Assert.Equal(new BatchRequestCounts(2, 2, 0), job.Counts);
        Assert.NotNull(job.EndedAt);

        var lines = await ToListAsync(client.ReadResultsAsync(job.Id));
        Assert.Equal(["q-1", "q-2"], lines.Select(l => l.CustomId));
        Assert.Equal("answer to q-1", lines[0].Response!.Text);
        Assert.Equal("gpt-4o-mini-2024-07-18", lines[0].Response!.ModelId);
        Assert.True(lines[0].Response!.Usage!.InputTokenCount > 0);
        Assert.All(lines, l => Assert.Equal("output", l.File));
    }

    [Fact]
    public async Task Each_input_line_is_a_POST_to_chat_completions_whose_body_is_what_the_chat_client_sends()
    {
        await using var server = new BatchServer();
        using var client = Client(server);

        await client.SubmitAsync([Request("a", "Hello"), Request("b", "Bye", model: "gpt-4o")]);

        var upload = server.Requests[0];
        Assert.Equal(("POST", "/v1/files"), (upload.Method, upload.Target));
        Assert.StartsWith("multipart/form-data", upload.Header("Content-Type"), StringComparison.Ordinal);
        var lines = server.LastInputFile!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("a", (string?)lines[0]["custom_id"]);
        Assert.Equal("POST", (string?)lines[0]["method"]);
        Assert.Equal("/v1/chat/completions", (string?)lines[0]["url"]);
        Assert.Equal("gpt-4o", (string?)lines[1]["body"]!["model"]);
        Assert.Equal("Bye", (string?)lines[1]["body"]!["messages"]![0]!["content"]);
        Assert.Null(lines[0]["body"]!["stream"]);

        var create = server.Requests[1];
        Assert.Equal(("POST", "/v1/batches"), (create.Method, create.Target));
        Assert.Equal("24h", (string?)create.Json!["completion_window"]);
        Assert.Equal("/v1/chat/completions", (string?)create.Json!["endpoint"]);
    }

    [Fact]
    public async Task A_request_the_provider_failed_comes_back_with_the_kind_the_same_call_would_have_had()
    {
        await using var server = new BatchServer
        {
            Answer = (id, _) => id switch
            {
                "long" => ServerAnswer.Fail(400, "context_length_exceeded", "This model's maximum context length is 128000 tokens."),
                "busy" => ServerAnswer.Fail(429, "rate_limit_exceeded", "Rate limit reached."),
                _ => ServerAnswer.Ok("fine"),
            },
        };
        using var client = Client(server);
        var job = await RunToEndAsync(client, [Request("ok", "hi"), Request("long", "…"), Request("busy", "hi")]);

        var lines = (await ToListAsync(client.ReadResultsAsync(job.Id))).ToDictionary(l => l.CustomId!);
        Assert.Equal(new BatchRequestCounts(3, 1, 2), job.Counts);
        Assert.Equal("fine", lines["ok"].Response!.Text);
        Assert.Equal("errors", lines["long"].File);
        var failure = lines["long"].Failure!;
        Assert.Equal(BatchFailureKind.Errored, failure.Kind);
        Assert.Equal(LlmErrorKind.ContextLengthExceeded, failure.ErrorKind);
        Assert.Equal(400, failure.Error!.StatusCode);
        Assert.Equal("req_1", failure.Error.RequestId);
        Assert.Equal(LlmErrorKind.RateLimited, lines["busy"].Failure!.ErrorKind);
    }

    [Fact]
    public async Task An_expired_batch_keeps_the_answers_that_finished_and_the_rest_are_expired_failures()
    {
        await using var server = new BatchServer { Ending = ServerEnding.Expire, FinishedBeforeEnd = 1 };
        using var client = Client(server);
        var job = await RunToEndAsync(client, [Request("first", "a"), Request("second", "b"), Request("third", "c")]);

        Assert.Equal(BatchStatus.Expired, job.Status);
        var lines = await ToListAsync(client.ReadResultsAsync(job.Id));
        Assert.Equal("answer to first", lines.Single(l => l.CustomId == "first").Response!.Text);
        Assert.All(lines.Where(l => l.CustomId != "first"), l =>
        {
            Assert.Equal(BatchFailureKind.Expired, l.Failure!.Kind);
            Assert.Equal(LlmErrorKind.Timeout, l.Failure.ErrorKind);
        });
    }

    [Fact]
    public async Task Cancelling_goes_through_cancelling_to_cancelled_and_answered_requests_keep_their_results()
    {
        await using var server = new BatchServer { FinishedBeforeEnd = 1 };
        using var client = Client(server);
        var job = await client.SubmitAsync([Request("x", "a"), Request("y", "b")]);
        job = await client.GetBatchAsync(job.Id); // in_progress

        var cancelling = await client.CancelAsync(job.Id);
        var cancelled = await client.GetBatchAsync(job.Id);

        Assert.Equal((BatchStatus.Cancelling, BatchStatus.Cancelled), (cancelling.Status, cancelled.Status));
        var lines = (await ToListAsync(client.ReadResultsAsync(job.Id))).ToDictionary(l => l.CustomId!);
        Assert.True(lines["x"].Response is not null);
        Assert.Equal(BatchFailureKind.Cancelled, lines["y"].Failure!.Kind);
    }

    [Fact]
    public async Task Input_the_provider_rejects_fails_the_whole_batch_with_the_line_numbers()
    {
        await using var server = new BatchServer();
        using var client = Client(server);
        // An extra the provider does not allow in batches reaches the wire (extras win), as it would at OpenAI.
        var streaming = new BatchChatRequest("bad", [new ChatMessage(ChatRole.User, "x")],
            new ChatOptions { ModelId = "gpt-4o-mini", AdditionalProperties = new() { ["stream"] = true } });

        var job = await RunToEndAsync(client, [Request("good", "a"), streaming]);

        Assert.Equal(BatchStatus.Failed, job.Status);
        var error = Assert.Single(job.Errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("stream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_result_lines_are_reported_with_their_line_numbers_and_the_other_lines_are_read()
    {
        await using var server = new BatchServer();
        server.ExtraResultLines.Add("{\"id\": \"batch_req_x\", \"custom_id\": \"tail\", \"response\": {\"status_");
        server.ExtraResultLines.Add("{\"id\": \"batch_req_y\", \"response\": null, \"error\": null}");
        server.ExtraResultLines.Add("{\"id\": \"batch_req_z\", \"custom_id\": \"q\", \"response\": {\"status_code\": 200, \"body\": 7}, \"error\": null}");
        using var client = Client(server);
        var job = await RunToEndAsync(client, [Request("p", "a"), Request("q", "b")]);

        var lines = await ToListAsync(client.ReadResultsAsync(job.Id));

        Assert.Equal(["p", "q"], lines.Where(l => l.Response is not null).Select(l => l.CustomId));
        var problems = lines.Where(l => l.Problem is not null).ToList();
        Assert.Equal([3, 4, 5], problems.Select(p => p.LineNumber));
        Assert.Contains("not valid JSON", problems[0].Problem, StringComparison.Ordinal);
        Assert.Contains("no custom_id", problems[1].Problem, StringComparison.Ordinal);
        Assert.Equal("q", problems[2].CustomId);
        Assert.Contains("unexpected shape", problems[2].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_key_is_an_authentication_failure_and_an_unknown_batch_is_not_found()
    {
        await using var server = new BatchServer();
        using var wrongKey = new OpenAIBatchChatClient(new OpenAIProviderOptions { Endpoint = server.OpenAIEndpoint, ApiKey = "sk-wrong" });
        using var client = Client(server);

        var unauthorized = await Assert.ThrowsAsync<LlmException>(() => wrongKey.SubmitAsync([Request("a", "b")]));
        var missing = await Assert.ThrowsAsync<LlmException>(() => client.GetBatchAsync("batch_nope"));

        Assert.Equal(LlmErrorKind.Authentication, unauthorized.Kind);
        Assert.Equal(LlmErrorKind.NotFound, missing.Kind);
    }

    [Fact]
    public async Task Every_batch_and_file_object_the_loopback_server_serves_matches_the_OpenAPI_schema()
    {
        await using var server = new BatchServer { Ending = ServerEnding.Expire, FinishedBeforeEnd = 1 };
        using var client = Client(server);
        await RunToEndAsync(client, [Request("a", "x"), Request("b", "y")]);
        server.Ending = ServerEnding.Complete;
        await RunToEndAsync(client, [Request("c", "x")]);

        var spec = JsonNode.Parse(File.ReadAllText(TestData.PathOf("openai-openapi-batch", "openapi-batch.json")))!.AsObject();
        JsonSchemaValidator SchemaOf(string name) => JsonSchemaValidator.Compile(new JsonObject
        {
            ["$ref"] = $"#/components/schemas/{name}",
            ["components"] = spec["components"]!.DeepClone(),
        }.ToJsonString());
        var batchSchema = SchemaOf("Batch");
        var fileSchema = SchemaOf("OpenAIFile");

        Assert.True(server.ServedObjects.Count >= 8);
        foreach (var served in server.ServedObjects)
        {
            var schema = (string?)served["object"] == "file" ? fileSchema : batchSchema;
            using var document = JsonDocument.Parse(served.ToJsonString());
            var result = schema.Validate(document.RootElement);
            Assert.True(result.IsValid, $"{served.ToJsonString()}\n{string.Join("\n", result.Errors)}");
        }

        // The schema is not vacuous: a batch without its required fields fails it.
        using var broken = JsonDocument.Parse("""{"id":"batch_1","object":"batch","status":"done"}""");
        Assert.False(batchSchema.Validate(broken.RootElement).IsValid);
    }

    [Fact]
    public void The_batch_example_of_the_specification_reads_with_its_nulls_counts_and_end_time()
    {
        var spec = JsonNode.Parse(File.ReadAllText(TestData.PathOf("openai-openapi-batch", "openapi-batch.json")))!;
        string example = (string)spec["components"]!["schemas"]!["Batch"]!["x-oaiMeta"]!["example"]!;
        // The example's metadata object ends with a trailing comma, which is not JSON: drop it as any reader must.
        example = System.Text.RegularExpressions.Regex.Replace(example, @",\s*}", "}");
        using var document = JsonDocument.Parse(example);

        var job = OpenAIBatchChatClient.ReadBatch(document.RootElement);

        Assert.Equal(("batch_abc123", BatchStatus.Completed), (job.Id, job.Status));
        Assert.Equal(new BatchRequestCounts(100, 95, 5), job.Counts);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1711493163), job.EndedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1711557933), job.ExpiresAt);
        Assert.Empty(job.Errors);
    }

    internal static async Task<BatchJob> RunToEndAsync(IBatchChatClient client, IReadOnlyList<BatchChatRequest> requests)
    {
        var job = await client.SubmitAsync(requests);
        for (int i = 0; !job.IsTerminal && i < 10; i++)
        {
            job = await client.GetBatchAsync(job.Id);
        }

        Assert.True(job.IsTerminal, $"still {job.Status}");
        return job;
    }

    internal static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
