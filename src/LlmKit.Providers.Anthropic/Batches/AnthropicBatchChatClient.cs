using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmKit.Batches;
using LlmKit.Errors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace LlmKit.Providers.Anthropic;

/// <summary>
/// Anthropic's Message Batches as an <see cref="IBatchChatClient"/>: the requests go in one
/// <c>POST /v1/messages/batches</c> (each request's <c>params</c> exactly what <see cref="AnthropicChatClient"/> would
/// send), the batch is polled with <c>GET /v1/messages/batches/{id}</c>, cancelled with <c>POST …/cancel</c>, and its
/// results read as JSON Lines from <c>GET …/results</c>. Every failure is an <see cref="LlmException"/>.
/// </summary>
/// <remarks>
/// Written from Anthropic's public API reference (no machine-readable specification is published): a batch is
/// <c>in_progress</c>, <c>canceling</c> or <c>ended</c>; each result is <c>succeeded</c> (a message), <c>errored</c>
/// (an error object, translated as the chat client would translate it), <c>canceled</c> or <c>expired</c>. Custom ids
/// must be 1 to 64 characters of <c>a-z A-Z 0-9 _ -</c>.
/// </remarks>
public sealed partial class AnthropicBatchChatClient : IBatchChatClient, IDisposable
{
    private const string BatchesPath = "v1/messages/batches";

    private readonly AnthropicProviderOptions _options;
    private readonly ProviderConnection _connection;
    private readonly Uri _endpoint;

    /// <summary>Initializes a new instance of the <see cref="AnthropicBatchChatClient"/> class.</summary>
    /// <param name="options">The API settings (the same as the chat client's); validated here.</param>
    /// <param name="httpClient">The HTTP client to send through; when <see langword="null"/> one is created and owned.</param>
    /// <param name="timeProvider">The clock for request timeouts.</param>
    /// <param name="logger">The logger; never given the API key.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AnthropicBatchChatClient(
        AnthropicProviderOptions options, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<AnthropicBatchChatClient>? logger = null)
    {
        _connection = AnthropicProvider.Descriptor.Connect(options, httpClient, timeProvider, logger);
        _options = options;
        _endpoint = ProviderDescriptor<AnthropicProviderOptions>.NormalizedEndpoint(options);
    }

    /// <inheritdoc />
    public string ProviderName => AnthropicProviderConstants.ProviderName;

    /// <inheritdoc />
    /// <value>100,000, the Message Batches limit.</value>
    public int MaxRequestsPerBatch => AnthropicProviderConstants.MaxBatchRequests;

    /// <inheritdoc />
    public Task<BatchJob> SubmitAsync(IReadOnlyList<BatchChatRequest> requests, CancellationToken cancellationToken = default)
    {
        BatchResultReader.CheckCustomIds(requests, MaxRequestsPerBatch, "Anthropic's Message Batches", CustomIdPattern().IsMatch,
            "use 1 to 64 characters of a-z, A-Z, 0-9, '_' and '-'.");
        using var buffer = new MemoryStream();
        string firstModel = string.Empty;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("requests");
            foreach (var request in requests)
            {
                string model = request.Options?.ModelId ?? _options.Model
                    ?? throw new ArgumentException($"Request '{request.CustomId}' names no model: set its ChatOptions.ModelId or LlmKit:Anthropic:<name>:Model.", nameof(requests));
                firstModel = firstModel.Length == 0 ? model : firstModel;
                writer.WriteStartObject();
                writer.WriteString("custom_id", request.CustomId);
                writer.WritePropertyName("params");
                writer.WriteRawValue(AnthropicChatRequest.Write(request.Messages, request.Options, model, false, _options).Span, skipInputValidation: true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (buffer.Length > AnthropicProviderConstants.MaxBatchBytes)
        {
            throw new ArgumentException(
                $"The batch is {buffer.Length:N0} bytes, but Anthropic accepts at most {AnthropicProviderConstants.MaxBatchBytes:N0}: split it.", nameof(requests));
        }

        return SendBatchAsync(HttpMethod.Post, BatchesPath, buffer.ToArray(), firstModel, cancellationToken);
    }

    /// <inheritdoc />
    public Task<BatchJob> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        return SendBatchAsync(HttpMethod.Get, $"{BatchesPath}/{Uri.EscapeDataString(batchId)}", null, "batch", cancellationToken);
    }

    /// <inheritdoc />
    public Task<BatchJob> CancelAsync(string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        return SendBatchAsync(HttpMethod.Post, $"{BatchesPath}/{Uri.EscapeDataString(batchId)}/cancel", ReadOnlyMemory<byte>.Empty, "batch", cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BatchResultLine> ReadResultsAsync(string batchId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        var results = new Uri(_endpoint, $"{BatchesPath}/{Uri.EscapeDataString(batchId)}/results");
        await foreach (var (number, text) in _connection.ReadLinesAsync(results, "batch", cancellationToken))
        {
            yield return BatchResultReader.Read("results", number, text, ReadLine);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _connection.Dispose();

    /// <summary>Reads Anthropic's message batch object.</summary>
    internal static BatchJob ReadBatch(JsonElement root)
    {
        string id = JsonText.String(root, "id") ?? throw new InvalidOperationException("The message batch has no id.");
        string status = JsonText.String(root, "processing_status") ?? throw new InvalidOperationException("The message batch has no processing_status.");
        var c = root.TryGetProperty("request_counts", out var counts) && counts.ValueKind == JsonValueKind.Object ? counts : default;
        int processing = BatchResultReader.Count(c, "processing"), succeeded = BatchResultReader.Count(c, "succeeded"), errored = BatchResultReader.Count(c, "errored");
        int canceled = BatchResultReader.Count(c, "canceled"), expired = BatchResultReader.Count(c, "expired");
        bool cancelInitiated = JsonText.String(root, "cancel_initiated_at") is not null;
        return new BatchJob(id, status switch
        {
            "in_progress" => BatchStatus.InProgress,
            "canceling" => BatchStatus.Cancelling,
            // "ended" says only that nothing runs any more; the counts and the cancel time say how it ended.
            "ended" => cancelInitiated ? BatchStatus.Cancelled : expired > 0 ? BatchStatus.Expired : BatchStatus.Completed,
            _ => throw new InvalidOperationException($"The processing status '{status}' is not one Message Batches document."),
        })
        {
            Provider = AnthropicProviderConstants.ProviderName,
            Counts = new BatchRequestCounts(processing + succeeded + errored + canceled + expired, succeeded, errored, canceled, expired),
            CreatedAt = BatchResultReader.Rfc3339(root, "created_at"),
            ExpiresAt = BatchResultReader.Rfc3339(root, "expires_at"),
            EndedAt = BatchResultReader.Rfc3339(root, "ended_at"),
        };
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex CustomIdPattern();

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

    private BatchResultReader.Outcome ReadLine(JsonElement line, string customId)
    {
        if (!line.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException("The line has no result object.");
        }

        string type = JsonText.String(result, "type") ?? throw new InvalidOperationException("The result has no type.");
        switch (type)
        {
            case "succeeded":
                if (!result.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidOperationException("A succeeded result has no message.");
                }

                return new(AnthropicChatResponse.Read(message), null);
            case "errored":
                // The error response { "type": "error", "error": { "type", "message" }, "request_id" }, or the bare error object.
                var response = result.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
                var error = response.ValueKind == JsonValueKind.Object && response.TryGetProperty("error", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : response;
                if (error.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidOperationException("An errored result has no error object.");
                }

                var failure = ProviderFailures.FromBatchItem(0, error, JsonText.String(response, "request_id"), _connection.CallInfo(null));
                return new(null, new BatchRequestFailure(BatchFailureKind.Errored, failure.Message) { Error = failure });
            case "canceled":
                return new(null, new BatchRequestFailure(BatchFailureKind.Cancelled, "The batch was cancelled before this request ran."));
            case "expired":
                return new(null, new BatchRequestFailure(BatchFailureKind.Expired, "The batch expired before this request ran."));
            default:
                return new(null, null, $"The result type '{type}' is not one Message Batches document.");
        }
    }
}
