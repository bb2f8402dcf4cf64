using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Providers.Tests.Loopback;
using LlmKit.Tests.Shared;

namespace LlmKit.Providers.Tests.Batches;

/// <summary>What the server answers for one batched request.</summary>
internal sealed record ServerAnswer(string? Text, int Status = 200, string? ErrorType = null, string? ErrorMessage = null)
{
    public static ServerAnswer Ok(string text) => new(text);

    public static ServerAnswer Fail(int status, string type, string message) => new(null, status, type, message);
}

/// <summary>How a batch ends on the server.</summary>
internal enum ServerEnding
{
    /// <summary>validating → in_progress → finalizing → completed (OpenAI); in_progress → ended (Anthropic).</summary>
    Complete,

    /// <summary>The completion window passes while in progress: the first <see cref="BatchServer.FinishedBeforeEnd"/> requests have results, the others expire.</summary>
    Expire,
}

/// <summary>
/// A loopback implementation of OpenAI's Batch API (files and batches, as the OpenAPI specification in
/// <c>tests/data/openai-openapi-batch</c> describes them) and Anthropic's Message Batches (from the public API
/// reference), over the raw-socket <see cref="LoopbackServer"/>. A batch moves one status per status request, so tests
/// see every transition; it can expire, be cancelled part-way, fail validation, and serve extra result lines (broken
/// JSON, unknown ids, duplicates) to test how the clients read them.
/// </summary>
internal sealed class BatchServer : IAsyncDisposable
{
    public const string OpenAIKey = "sk-batch-test";
    public const string AnthropicKey = "sk-ant-batch-test";

    private static readonly Lazy<string[]> SpecStatuses = new(() =>
    {
        using var spec = JsonDocument.Parse(File.ReadAllText(TestData.PathOf("openai-openapi-batch", "openapi-batch.json")));
        return spec.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("Batch").GetProperty("properties")
            .GetProperty("status").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray();
    });

    private readonly LoopbackServer _server;
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServerBatch> _batches = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JsonObject> _served = new();
    private int _nextId;

    public BatchServer()
    {
        _server = new LoopbackServer(HandleAsync);
    }

    /// <summary>Answers each request from its custom id and body; the default echoes the custom id.</summary>
    public Func<string, JsonObject, ServerAnswer> Answer { get; set; } = (id, _) => ServerAnswer.Ok($"answer to {id}");

    /// <summary>How batches end.</summary>
    public ServerEnding Ending { get; set; } = ServerEnding.Complete;

    /// <summary>For <see cref="ServerEnding.Expire"/> and cancellations: how many requests (in input order) ran before the end.</summary>
    public int FinishedBeforeEnd { get; set; }

    /// <summary>Lines appended to the output (OpenAI) or results (Anthropic) file as they are.</summary>
    public List<string> ExtraResultLines { get; } = [];

    /// <summary>Custom ids whose result line the server leaves out of the files.</summary>
    public HashSet<string> Withheld { get; } = new(StringComparer.Ordinal);

    public Uri OpenAIEndpoint => new(_server.BaseUri, "v1/");

    public Uri AnthropicEndpoint => _server.BaseUri;

    public IReadOnlyList<ReceivedRequest> Requests => _server.Requests;

    /// <summary>Every OpenAI batch and file object served, for the schema conformance test.</summary>
    public IReadOnlyList<JsonObject> ServedObjects => _served.ToArray();

    /// <summary>The input file of the last batch, as uploaded.</summary>
    public string? LastInputFile { get; private set; }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private Task HandleAsync(ReceivedRequest request, ResponseChannel channel)
    {
        string path = request.Target.Split('?')[0];
        try
        {
            if (path.StartsWith("/v1/messages/batches", StringComparison.Ordinal))
            {
                return request.Header("x-api-key") != AnthropicKey || request.Header("anthropic-version") is null
                    ? Error(channel, 401, "authentication_error", "invalid x-api-key", anthropic: true)
                    : HandleAnthropicAsync(request, channel, path);
            }

            return request.Header("Authorization") != "Bearer " + OpenAIKey
                ? Error(channel, 401, "invalid_api_key", "Incorrect API key provided.", anthropic: false)
                : HandleOpenAIAsync(request, channel, path);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return Error(channel, 400, "invalid_request_error", ex.Message, anthropic: path.Contains("messages", StringComparison.Ordinal));
        }
    }

    // ---------------------------------------------------------------- OpenAI

    private Task HandleOpenAIAsync(ReceivedRequest request, ResponseChannel channel, string path)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries); // v1, files|batches, id, action
        switch (request.Method, parts)
        {
            case ("POST", ["v1", "files"]):
                var form = Multipart(request);
                if (form.GetValueOrDefault("purpose") is not { } purpose || Encoding.UTF8.GetString(purpose) != "batch" || !form.TryGetValue("file", out var content))
                {
                    return Error(channel, 400, "invalid_request_error", "purpose must be 'batch' and a file is required.", anthropic: false);
                }

                string fileId = $"file-{Interlocked.Increment(ref _nextId)}";
                _files[fileId] = content;
                LastInputFile = Encoding.UTF8.GetString(content);
                return Json(channel, Served(new JsonObject
                {
                    ["id"] = fileId, ["object"] = "file", ["bytes"] = content.Length, ["created_at"] = Now(), ["filename"] = "llmkit-batch.jsonl",
                    ["purpose"] = "batch", ["status"] = "processed",
                }));

            case ("POST", ["v1", "batches"]):
                var create = request.Json!.AsObject();
                string inputFile = (string)create["input_file_id"]!;
                if (!_files.TryGetValue(inputFile, out var input))
                {
                    return Error(channel, 404, "invalid_request_error", $"No file with id '{inputFile}'.", anthropic: false);
                }

                if ((string?)create["endpoint"] != "/v1/chat/completions" || (string?)create["completion_window"] != "24h")
                {
                    return Error(channel, 400, "invalid_request_error", "endpoint and completion_window are invalid.", anthropic: false);
                }

                var batch = new ServerBatch($"batch_{Interlocked.Increment(ref _nextId)}", inputFile, ParseOpenAIInput(input), Now());
                _batches[batch.Id] = batch;
                return Json(channel, OpenAIBatch(batch));

            case ("GET", ["v1", "batches", var id]):
                return _batches.TryGetValue(id, out var polled) ? Json(channel, OpenAIBatch(AdvanceOpenAI(polled))) : NotFound(channel, id, anthropic: false);

            case ("POST", ["v1", "batches", var id, "cancel"]):
                if (!_batches.TryGetValue(id, out var cancelled))
                {
                    return NotFound(channel, id, anthropic: false);
                }

                lock (cancelled)
                {
                    if (cancelled.Status is "validating" or "in_progress" or "finalizing")
                    {
                        cancelled.Status = "cancelling";
                        cancelled.CancellingAt = Now();
                    }
                }

                return Json(channel, OpenAIBatch(cancelled));

            case ("GET", ["v1", "files", var id, "content"]):
                return _files.TryGetValue(id, out var file)
                    ? channel.SendAsync(200, null, Encoding.UTF8.GetString(file), "application/octet-stream")
                    : NotFound(channel, id, anthropic: false);

            default:
                return Error(channel, 404, "invalid_request_error", $"Unknown path {request.Method} {path}.", anthropic: false);
        }
    }

    private static List<ServerRequest> ParseOpenAIInput(byte[] file)
    {
        var requests = new List<ServerRequest>();
        int line = 0;
        foreach (string text in Encoding.UTF8.GetString(file).Split('\n'))
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            JsonObject? node = null;
            string? problem = null;
            try
            {
                node = JsonNode.Parse(text)!.AsObject();
            }
            catch (JsonException)
            {
                problem = "Invalid JSON.";
            }

            if (node is not null)
            {
                problem = (string?)node["custom_id"] is not { Length: > 0 } ? "custom_id is required."
                    : (string?)node["method"] != "POST" ? "method must be POST."
                    : (string?)node["url"] != "/v1/chat/completions" ? "url must match the batch endpoint."
                    : node["body"] is not JsonObject body || (string?)body["model"] is null || body["messages"] is not JsonArray ? "body must have model and messages."
                    : body["stream"] is JsonValue stream && (bool)stream ? "stream is not supported in batches."
                    : null;
            }

            requests.Add(new ServerRequest((string?)node?["custom_id"] ?? string.Empty, node?["body"] as JsonObject ?? [], line, problem));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in requests.Where(r => r.Problem is null && !seen.Add(r.CustomId)).ToList())
        {
            requests[requests.IndexOf(request)] = request with { Problem = $"Duplicate custom_id '{request.CustomId}'." };
        }

        return requests;
    }

    private ServerBatch AdvanceOpenAI(ServerBatch batch)
    {
        lock (batch)
        {
            switch (batch.Status)
            {
                case "validating":
                    if (batch.Requests.Any(r => r.Problem is not null))
                    {
                        batch.Status = "failed";
                        batch.FailedAt = Now();
                    }
                    else
                    {
                        batch.Status = "in_progress";
                        batch.InProgressAt = Now();
                    }

                    break;
                case "in_progress" when Ending == ServerEnding.Expire:
                    batch.Status = "expired";
                    batch.ExpiredAt = Now();
                    WriteOpenAIResults(batch, FinishedBeforeEnd, "batch_expired", "This request could not be executed before the completion window expired.");
                    break;
                case "in_progress":
                    batch.Status = "finalizing";
                    batch.FinalizingAt = Now();
                    break;
                case "finalizing":
                    batch.Status = "completed";
                    batch.CompletedAt = Now();
                    WriteOpenAIResults(batch, batch.Requests.Count, null, null);
                    break;
                case "cancelling":
                    batch.Status = "cancelled";
                    batch.CancelledAt = Now();
                    WriteOpenAIResults(batch, FinishedBeforeEnd, "batch_cancelled", "This request was not executed because the batch was cancelled.");
                    break;
            }

            return batch;
        }
    }

    private void WriteOpenAIResults(ServerBatch batch, int ran, string? notRunCode, string? notRunMessage)
    {
        var output = new StringBuilder();
        var errors = new StringBuilder();
        for (int i = 0; i < batch.Requests.Count; i++)
        {
            var request = batch.Requests[i];
            if (Withheld.Contains(request.CustomId))
            {
                continue;
            }

            var line = new JsonObject { ["id"] = $"batch_req_{i}", ["custom_id"] = request.CustomId };
            if (i >= ran)
            {
                line["response"] = null;
                line["error"] = new JsonObject { ["code"] = notRunCode, ["message"] = notRunMessage };
                errors.Append(line.ToJsonString()).Append('\n');
                batch.Failed++;
                continue;
            }

            var answer = Answer(request.CustomId, request.Body);
            line["error"] = null;
            if (answer.Status == 200)
            {
                line["response"] = new JsonObject { ["status_code"] = 200, ["request_id"] = $"req_{i}", ["body"] = OpenAICompletion(request, answer) };
                output.Append(line.ToJsonString()).Append('\n');
                batch.Completed++;
            }
            else
            {
                line["response"] = new JsonObject
                {
                    ["status_code"] = answer.Status,
                    ["request_id"] = $"req_{i}",
                    ["body"] = new JsonObject { ["error"] = new JsonObject { ["message"] = answer.ErrorMessage, ["type"] = answer.ErrorType, ["param"] = null, ["code"] = answer.ErrorType } },
                };
                errors.Append(line.ToJsonString()).Append('\n');
                batch.Failed++;
            }
        }

        foreach (string extra in ExtraResultLines)
        {
            output.Append(extra).Append('\n');
        }

        if (output.Length > 0)
        {
            batch.OutputFileId = $"file-{Interlocked.Increment(ref _nextId)}";
            _files[batch.OutputFileId] = Encoding.UTF8.GetBytes(output.ToString());
        }

        if (errors.Length > 0)
        {
            batch.ErrorFileId = $"file-{Interlocked.Increment(ref _nextId)}";
            _files[batch.ErrorFileId] = Encoding.UTF8.GetBytes(errors.ToString());
        }
    }

    private static JsonObject OpenAICompletion(ServerRequest request, ServerAnswer answer)
    {
        int input = request.Body.ToJsonString().Length / 4;
        int output = Math.Max(1, answer.Text!.Length / 4);
        return new JsonObject
        {
            ["id"] = "chatcmpl-" + request.CustomId,
            ["object"] = "chat.completion",
            ["created"] = 1700000000,
            ["model"] = (string?)request.Body["model"] + "-2024-07-18",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer.Text, ["refusal"] = null },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = input, ["completion_tokens"] = output, ["total_tokens"] = input + output },
        };
    }

    private JsonObject OpenAIBatch(ServerBatch batch)
    {
        lock (batch)
        {
            if (!SpecStatuses.Value.Contains(batch.Status))
            {
                throw new InvalidOperationException($"The server drifted from the spec: status '{batch.Status}'.");
            }

            int total = batch.Status is "validating" or "failed" ? 0 : batch.Requests.Count;
            var errors = batch.Status == "failed"
                ? new JsonObject
                {
                    ["object"] = "list",
                    ["data"] = new JsonArray(batch.Requests.Where(r => r.Problem is not null)
                        .Select(r => (JsonNode)new JsonObject { ["code"] = "invalid_request", ["message"] = r.Problem, ["param"] = null, ["line"] = r.Line }).ToArray()),
                }
                : null;
            return Served(new JsonObject
            {
                ["id"] = batch.Id,
                ["object"] = "batch",
                ["endpoint"] = "/v1/chat/completions",
                ["errors"] = errors,
                ["input_file_id"] = batch.InputFileId,
                ["completion_window"] = "24h",
                ["status"] = batch.Status,
                ["output_file_id"] = batch.OutputFileId,
                ["error_file_id"] = batch.ErrorFileId,
                ["created_at"] = batch.CreatedAt,
                ["in_progress_at"] = batch.InProgressAt,
                ["expires_at"] = batch.CreatedAt + 86_400,
                ["finalizing_at"] = batch.FinalizingAt,
                ["completed_at"] = batch.CompletedAt,
                ["failed_at"] = batch.FailedAt,
                ["expired_at"] = batch.ExpiredAt,
                ["cancelling_at"] = batch.CancellingAt,
                ["cancelled_at"] = batch.CancelledAt,
                ["request_counts"] = new JsonObject { ["total"] = total, ["completed"] = batch.Completed, ["failed"] = batch.Failed },
                ["metadata"] = new JsonObject { ["created_by"] = "llmkit" },
            });
        }
    }

    /// <summary>
    /// Records a served object with its null members left out: the spec types them as non-nullable (the real API writes
    /// nulls, which the spec's own example shows; a separate test reads that example).
    /// </summary>
    private JsonObject Served(JsonObject value)
    {
        foreach (string name in value.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            value.Remove(name);
        }

        _served.Enqueue((JsonObject)value.DeepClone());
        return value;
    }

    // ---------------------------------------------------------------- Anthropic

    private Task HandleAnthropicAsync(ReceivedRequest request, ResponseChannel channel, string path)
    {
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries); // v1, messages, batches, id, action
        switch (request.Method, parts)
        {
            case ("POST", ["v1", "messages", "batches"]):
                var requests = new List<ServerRequest>();
                foreach (var item in request.Json!["requests"]!.AsArray())
                {
                    string customId = (string)item!["custom_id"]!;
                    var body = item["params"]!.AsObject();
                    if ((string?)body["model"] is null || body["max_tokens"] is null || body["messages"] is not JsonArray)
                    {
                        return Error(channel, 400, "invalid_request_error", $"requests.{requests.Count}.params: model, max_tokens and messages are required.", anthropic: true);
                    }

                    if (requests.Any(r => r.CustomId == customId))
                    {
                        return Error(channel, 400, "invalid_request_error", $"Duplicate custom_id '{customId}'.", anthropic: true);
                    }

                    requests.Add(new ServerRequest(customId, body, requests.Count + 1, null));
                }

                var batch = new ServerBatch($"msgbatch_{Interlocked.Increment(ref _nextId):D4}", null, requests, Now()) { Status = "in_progress" };
                _batches[batch.Id] = batch;
                return Json(channel, AnthropicBatch(batch));

            case ("GET", ["v1", "messages", "batches", var id]):
                return _batches.TryGetValue(id, out var polled) ? Json(channel, AnthropicBatch(AdvanceAnthropic(polled))) : NotFound(channel, id, anthropic: true);

            case ("POST", ["v1", "messages", "batches", var id, "cancel"]):
                if (!_batches.TryGetValue(id, out var cancelled))
                {
                    return NotFound(channel, id, anthropic: true);
                }

                lock (cancelled)
                {
                    if (cancelled.Status == "in_progress")
                    {
                        cancelled.Status = "canceling";
                        cancelled.CancellingAt = Now();
                    }
                }

                return Json(channel, AnthropicBatch(cancelled));

            case ("GET", ["v1", "messages", "batches", var id, "results"]):
                return _batches.TryGetValue(id, out var ended) && ended.Results is { } results
                    ? channel.SendAsync(200, null, results, "application/binary")
                    : Error(channel, 404, "not_found_error", $"Results of '{id}' are not available (the batch has not ended).", anthropic: true);

            default:
                return Error(channel, 404, "not_found_error", $"Unknown path {request.Method} {path}.", anthropic: true);
        }
    }

    private ServerBatch AdvanceAnthropic(ServerBatch batch)
    {
        lock (batch)
        {
            if (batch.Status is "in_progress" or "canceling")
            {
                bool cancelled = batch.Status == "canceling";
                int ran = cancelled || Ending == ServerEnding.Expire ? FinishedBeforeEnd : batch.Requests.Count;
                batch.Status = "ended";
                batch.CompletedAt = Now();
                var results = new StringBuilder();
                for (int i = 0; i < batch.Requests.Count; i++)
                {
                    var request = batch.Requests[i];
                    JsonObject result;
                    if (i >= ran)
                    {
                        result = new JsonObject { ["type"] = cancelled ? "canceled" : "expired" };
                        batch.NotRun++;
                    }
                    else
                    {
                        var answer = Answer(request.CustomId, request.Body);
                        if (answer.Status == 200)
                        {
                            result = new JsonObject { ["type"] = "succeeded", ["message"] = AnthropicMessage(request, answer) };
                            batch.Completed++;
                        }
                        else
                        {
                            result = new JsonObject
                            {
                                ["type"] = "errored",
                                ["error"] = new JsonObject
                                {
                                    ["type"] = "error",
                                    ["error"] = new JsonObject { ["type"] = answer.ErrorType, ["message"] = answer.ErrorMessage },
                                    ["request_id"] = $"req_{i}",
                                },
                            };
                            batch.Failed++;
                        }
                    }

                    if (!Withheld.Contains(request.CustomId))
                    {
                        results.Append(new JsonObject { ["custom_id"] = request.CustomId, ["result"] = result }.ToJsonString()).Append('\n');
                    }
                }

                foreach (string extra in ExtraResultLines)
                {
                    results.Append(extra).Append('\n');
                }

                batch.Results = results.ToString();
            }

            return batch;
        }
    }

    private static JsonObject AnthropicMessage(ServerRequest request, ServerAnswer answer) => new()
    {
        ["id"] = "msg_" + request.CustomId,
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = (string?)request.Body["model"] + "-20241022",
        ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = answer.Text }),
        ["stop_reason"] = "end_turn",
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject { ["input_tokens"] = request.Body.ToJsonString().Length / 4, ["output_tokens"] = Math.Max(1, answer.Text!.Length / 4) },
    };

    private JsonObject AnthropicBatch(ServerBatch batch)
    {
        lock (batch)
        {
            bool ended = batch.Status == "ended";
            bool cancelled = batch.CancellingAt is not null;
            int processing = ended ? 0 : batch.Requests.Count;
            return new JsonObject
            {
                ["id"] = batch.Id,
                ["type"] = "message_batch",
                ["processing_status"] = batch.Status,
                ["request_counts"] = new JsonObject
                {
                    ["processing"] = processing,
                    ["succeeded"] = batch.Completed,
                    ["errored"] = batch.Failed,
                    ["canceled"] = cancelled ? batch.NotRun : 0,
                    ["expired"] = cancelled ? 0 : batch.NotRun,
                },
                ["ended_at"] = ended ? Rfc3339(batch.CompletedAt!.Value) : null,
                ["created_at"] = Rfc3339(batch.CreatedAt),
                ["expires_at"] = Rfc3339(batch.CreatedAt + 86_400),
                ["archived_at"] = null,
                ["cancel_initiated_at"] = batch.CancellingAt is { } at ? Rfc3339(at) : null,
                ["results_url"] = ended ? new Uri(_server.BaseUri, $"v1/messages/batches/{batch.Id}/results").AbsoluteUri : null,
            };
        }
    }

    // ---------------------------------------------------------------- plumbing

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static string Rfc3339(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static Task Json(ResponseChannel channel, JsonObject body) => channel.SendAsync(200, null, body.ToJsonString());

    private static Task NotFound(ResponseChannel channel, string id, bool anthropic) =>
        Error(channel, 404, anthropic ? "not_found_error" : "invalid_request_error", $"No batch found with id '{id}'.", anthropic);

    private static Task Error(ResponseChannel channel, int status, string type, string message, bool anthropic)
    {
        var body = anthropic
            ? new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = type, ["message"] = message } }
            : new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = type } };
        return channel.SendAsync(status, null, body.ToJsonString());
    }

    /// <summary>Reads a multipart/form-data body into its named parts.</summary>
    private static Dictionary<string, byte[]> Multipart(ReceivedRequest request)
    {
        string contentType = request.Header("Content-Type") ?? throw new InvalidOperationException("No Content-Type.");
        string boundary = "--" + contentType.Split("boundary=")[1].Trim('"');
        byte[] body = request.Body;
        byte[] delimiter = Encoding.ASCII.GetBytes(boundary);
        var parts = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        int start = body.AsSpan().IndexOf(delimiter) + delimiter.Length;
        while (true)
        {
            int next = body.AsSpan(start).IndexOf(delimiter);
            if (next < 0)
            {
                break;
            }

            var part = body.AsSpan(start, next);
            int headerEnd = part.IndexOf("\r\n\r\n"u8);
            string headers = Encoding.ASCII.GetString(part[..headerEnd]);
            var content = part[(headerEnd + 4)..];
            if (content.EndsWith("\r\n"u8))
            {
                content = content[..^2];
            }

            string name = headers.Split("name=")[1].Split(';')[0].Split("\r\n")[0].Trim('"');
            parts[name] = content.ToArray();
            start += next + delimiter.Length;
        }

        return parts;
    }

    private sealed record ServerRequest(string CustomId, JsonObject Body, int Line, string? Problem);

    private sealed class ServerBatch(string id, string? inputFileId, List<ServerRequest> requests, long createdAt)
    {
        public string Id => id;

        public string? InputFileId => inputFileId;

        public List<ServerRequest> Requests => requests;

        public long CreatedAt => createdAt;

        public string Status { get; set; } = "validating";

        public long? InProgressAt { get; set; }

        public long? FinalizingAt { get; set; }

        public long? CompletedAt { get; set; }

        public long? FailedAt { get; set; }

        public long? ExpiredAt { get; set; }

        public long? CancellingAt { get; set; }

        public long? CancelledAt { get; set; }

        public string? OutputFileId { get; set; }

        public string? ErrorFileId { get; set; }

        public string? Results { get; set; }

        public int Completed { get; set; }

        public int Failed { get; set; }

        public int NotRun { get; set; }
    }
}
