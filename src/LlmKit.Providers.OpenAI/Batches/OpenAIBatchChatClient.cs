using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using LlmKit.Batches;
using LlmKit.Errors;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.OpenAI;

/// <summary>
/// OpenAI's Batch API for chat completions as an <see cref="IBatchChatClient"/>: the requests are written as a JSON
/// Lines file (each body exactly what <see cref="OpenAIChatClient"/> would send), uploaded with purpose <c>batch</c>,
/// and run as a batch on <c>/v1/chat/completions</c> with a 24-hour window; results come back from the output and
/// error files. Every failure is an <see cref="LlmException"/>, as for the chat client.
/// </summary>
/// <remarks>
/// Endpoints used (OpenAI OpenAPI specification): <c>POST /files</c>, <c>POST /batches</c>, <c>GET /batches/{id}</c>,
/// <c>POST /batches/{id}/cancel</c>, <c>GET /files/{id}/content</c>. A request that failed at the provider is an
/// error-file line with its status and error body (translated as the chat client would translate that answer); one
/// the batch did not reach has error code <c>batch_expired</c> or <c>batch_cancelled</c>.
/// </remarks>
public sealed class OpenAIBatchChatClient : IBatchChatClient, IDisposable
{
    private const string CompletionWindow = "24h";
    private const string ChatEndpoint = "/v1/chat/completions";

    private readonly OpenAIProviderOptions _options;
    private readonly ProviderConnection _connection;
    private readonly Uri _endpoint;

    /// <summary>Initializes a new instance of the <see cref="OpenAIBatchChatClient"/> class.</summary>
    /// <param name="options">The endpoint settings (the same as the chat client's); validated here.</param>
    /// <param name="httpClient">The HTTP client to send through; when <see langword="null"/> one is created and owned.</param>
    /// <param name="timeProvider">The clock for request timeouts.</param>
    /// <param name="logger">The logger; never given the API key.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public OpenAIBatchChatClient(
        OpenAIProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<OpenAIBatchChatClient>? logger = null)
    {
        _connection = OpenAIProvider.Descriptor.Connect(options, httpClient, timeProvider, logger);
        _options = options;
        _endpoint = ProviderDescriptor<OpenAIProviderOptions>.NormalizedEndpoint(options);
    }

    /// <inheritdoc />
    public string ProviderName => OpenAIProviderConstants.ProviderName;

    /// <inheritdoc />
    /// <value>50,000, the Batch API's limit per input file.</value>
    public int MaxRequestsPerBatch => OpenAIProviderConstants.MaxBatchRequests;

    /// <inheritdoc />
    public async Task<BatchJob> SubmitAsync(IReadOnlyList<BatchChatRequest> requests, CancellationToken cancellationToken = default)
    {
        BatchResultReader.CheckCustomIds(requests, MaxRequestsPerBatch, "OpenAI's Batch API");
        byte[] file = WriteInputFile(requests, out string model);
        if (file.Length > OpenAIProviderConstants.MaxBatchFileBytes)
        {
            throw new ArgumentException(
                $"The batch input is {file.Length:N0} bytes, but OpenAI accepts at most {OpenAIProviderConstants.MaxBatchFileBytes:N0} per file: split the batch.", nameof(requests));
        }

        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("batch"), "purpose");
        var fileContent = new ByteArrayContent(file);
        fileContent.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(fileContent, "file", "llmkit-batch.jsonl");
        string fileId = await _connection.SendAsync(HttpMethod.Post, new Uri(_endpoint, "files"), form, model,
            static (root, _) => JsonText.String(root, "id") ?? throw new InvalidOperationException("The uploaded file has no id."), cancellationToken);

        byte[] create = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["input_file_id"] = fileId,
            ["endpoint"] = ChatEndpoint,
            ["completion_window"] = CompletionWindow,
            ["metadata"] = new Dictionary<string, string> { ["created_by"] = "llmkit" },
        }, OpenAIBatchJsonContext.Default.DictionaryStringObject);
        return await SendBatchAsync(HttpMethod.Post, "batches", create, model, cancellationToken);
    }

    /// <inheritdoc />
    public Task<BatchJob> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        return SendBatchAsync(HttpMethod.Get, $"batches/{Uri.EscapeDataString(batchId)}", null, "batch", cancellationToken);
    }

    /// <inheritdoc />
    public Task<BatchJob> CancelAsync(string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        return SendBatchAsync(HttpMethod.Post, $"batches/{Uri.EscapeDataString(batchId)}/cancel", ReadOnlyMemory<byte>.Empty, "batch", cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BatchResultLine> ReadResultsAsync(string batchId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        var (outputFile, errorFile) = await _connection.SendAsync(HttpMethod.Get, new Uri(_endpoint, $"batches/{Uri.EscapeDataString(batchId)}"), null, "batch",
            static (root, _) => (JsonText.String(root, "output_file_id"), JsonText.String(root, "error_file_id")), cancellationToken);
        foreach (var (file, fileId) in new[] { ("output", outputFile), ("errors", errorFile) })
        {
            if (string.IsNullOrEmpty(fileId))
            {
                continue;
            }

            await foreach (var (number, text) in _connection.ReadLinesAsync(new Uri(_endpoint, $"files/{Uri.EscapeDataString(fileId)}/content"), "batch", cancellationToken))
            {
                yield return BatchResultReader.Read(file, number, text, ReadLine);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();

    private byte[] WriteInputFile(IReadOnlyList<BatchChatRequest> requests, out string firstModel)
    {
        using var buffer = new MemoryStream();
        firstModel = string.Empty;
        foreach (var request in requests)
        {
            string model = request.Options?.ModelId ?? _options.Model
                ?? throw new ArgumentException($"Request '{request.CustomId}' names no model: set its ChatOptions.ModelId or LlmKit:OpenAI:<name>:Model.", nameof(requests));
            if (firstModel.Length == 0)
            {
                firstModel = model;
            }

            var body = OpenAIChatRequest.Write(request.Messages, request.Options, model, false, _options);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("custom_id", request.CustomId);
                writer.WriteString("method", "POST");
                writer.WriteString("url", ChatEndpoint);
                writer.WritePropertyName("body");
                writer.WriteRawValue(body.Span, skipInputValidation: true);
                writer.WriteEndObject();
            }

            buffer.WriteByte((byte)'\n');
        }

        return buffer.ToArray();
    }

    private Task<BatchJob> SendBatchAsync(HttpMethod method, string path, ReadOnlyMemory<byte>? body, string model, CancellationToken cancellationToken)
    {
        HttpContent? content = null;
        if (body is { } bytes)
        {
            content = new ReadOnlyMemoryContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return _connection.SendAsync(method, new Uri(_endpoint, path), content, model, static (root, _) => ReadBatch(root), cancellationToken);
    }

    /// <summary>Reads OpenAI's batch object.</summary>
    internal static BatchJob ReadBatch(JsonElement root)
    {
        string id = JsonText.String(root, "id") ?? throw new InvalidOperationException("The batch has no id.");
        string status = JsonText.String(root, "status") ?? throw new InvalidOperationException("The batch has no status.");
        var counts = root.TryGetProperty("request_counts", out var c) && c.ValueKind == JsonValueKind.Object
            ? new BatchRequestCounts(BatchResultReader.Count(c, "total"), BatchResultReader.Count(c, "completed"), BatchResultReader.Count(c, "failed"))
            : default;
        var errors = new List<BatchError>();
        if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object && e.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var error in data.EnumerateArray())
            {
                errors.Add(new BatchError(JsonText.String(error, "code"), JsonText.String(error, "message") ?? "no details", (int?)JsonText.Long(error, "line")));
            }
        }

        return new BatchJob(id, status switch
        {
            "validating" => BatchStatus.Validating,
            "in_progress" => BatchStatus.InProgress,
            "finalizing" => BatchStatus.Finalizing,
            "cancelling" => BatchStatus.Cancelling,
            "completed" => BatchStatus.Completed,
            "failed" => BatchStatus.Failed,
            "expired" => BatchStatus.Expired,
            "cancelled" => BatchStatus.Cancelled,
            _ => throw new InvalidOperationException($"The batch status '{status}' is not one the Batch API documents."),
        })
        {
            Provider = OpenAIProviderConstants.ProviderName,
            Counts = counts,
            CreatedAt = BatchResultReader.UnixSeconds(root, "created_at"),
            ExpiresAt = BatchResultReader.UnixSeconds(root, "expires_at"),
            EndedAt = BatchResultReader.UnixSeconds(root, "completed_at") ?? BatchResultReader.UnixSeconds(root, "failed_at")
                ?? BatchResultReader.UnixSeconds(root, "expired_at") ?? BatchResultReader.UnixSeconds(root, "cancelled_at"),
            Errors = errors,
        };
    }

    private BatchResultReader.Outcome ReadLine(JsonElement line, string customId)
    {
        if (line.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            string? code = JsonText.String(error, "code");
            string message = JsonText.String(error, "message") ?? code ?? "no details";
            return new(null, code switch
            {
                "batch_expired" => new BatchRequestFailure(BatchFailureKind.Expired, message),
                "batch_cancelled" => new BatchRequestFailure(BatchFailureKind.Cancelled, message),
                _ => new BatchRequestFailure(BatchFailureKind.Errored, message)
                {
                    Error = ProviderFailures.FromBatchItem(0, error, null, _connection.CallInfo(null)),
                },
            });
        }

        if (!line.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
        {
            return new(null, null, "The line has neither a response nor an error.");
        }

        int status = (int)(JsonText.Long(response, "status_code") ?? throw new InvalidOperationException("The response has no status_code."));
        string? requestId = JsonText.String(response, "request_id");
        if (!response.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException("The response has no body object.");
        }

        if (status is >= 200 and < 300)
        {
            var answer = OpenAIChatResponse.Read(body);
            if (requestId is not null)
            {
                LlmKitCallProperties.ProviderRequestId.SetValue(answer.AdditionalProperties ??= [], requestId);
            }

            return new(answer, null);
        }

        var errorObject = body.TryGetProperty("error", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : body;
        var failure = ProviderFailures.FromBatchItem(status, errorObject, requestId, _connection.CallInfo(JsonText.String(body, "model")));
        return new(null, new BatchRequestFailure(BatchFailureKind.Errored, failure.Message) { Error = failure });
    }
}
