using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using LlmKit.Batches;
using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace BatchPipeline;

/// <summary>
/// An offline stand-in for a provider's batch API (OpenAI Batch API, Anthropic Message Batches), answering with the demo
/// model: a submitted batch is "in progress" until its first poll, when every request is answered; results come back by
/// custom id, as the providers' result files do. A real run registers <c>AddOpenAIBatches</c> or
/// <c>AddAnthropicBatches</c> under the same name instead.
/// </summary>
public sealed class DemoBatchServer(IChatClient model, TimeProvider? timeProvider = null) : IBatchChatClient
{
    private readonly ConcurrentDictionary<string, Batch> _batches = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;
    private int _next;

    /// <inheritdoc />
    public string ProviderName => "llmkit-demo";

    /// <inheritdoc />
    public int MaxRequestsPerBatch => 50_000;

    /// <inheritdoc />
    public Task<BatchJob> SubmitAsync(IReadOnlyList<BatchChatRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        string id = "batch_demo_" + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
        var batch = new Batch(id, requests, _timeProvider.GetUtcNow());
        _batches[id] = batch;
        return Task.FromResult(batch.Job());
    }

    /// <inheritdoc />
    public async Task<BatchJob> GetBatchAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var batch = Find(batchId);
        if (batch.Results is null && batch.Status == BatchStatus.InProgress)
        {
            // The provider works through the batch between polls; here, all at once on the first poll.
            var results = new List<BatchResultLine>(batch.Requests.Count);
            foreach (var request in batch.Requests)
            {
                results.Add(await AnswerAsync(request, results.Count + 1, cancellationToken));
            }

            batch.Results = results;
            batch.Status = BatchStatus.Completed;
            batch.EndedAt = _timeProvider.GetUtcNow();
        }

        return batch.Job();
    }

    /// <inheritdoc />
    public Task<BatchJob> CancelAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var batch = Find(batchId);
        if (batch.Results is null)
        {
            batch.Status = BatchStatus.Cancelled;
            batch.EndedAt = _timeProvider.GetUtcNow();
        }

        return Task.FromResult(batch.Job());
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BatchResultLine> ReadResultsAsync(string batchId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        foreach (var line in Find(batchId).Results ?? [])
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return line;
        }
    }

    private async Task<BatchResultLine> AnswerAsync(BatchChatRequest request, int lineNumber, CancellationToken cancellationToken)
    {
        try
        {
            var response = await model.GetResponseAsync(request.Messages, request.Options, cancellationToken);
            return new BatchResultLine { File = "results.jsonl", LineNumber = lineNumber, CustomId = request.CustomId, Response = response };
        }
        catch (LlmException ex)
        {
            return new BatchResultLine
            {
                File = "results.jsonl",
                LineNumber = lineNumber,
                CustomId = request.CustomId,
                Failure = new BatchRequestFailure(BatchFailureKind.Errored, ex.Message) { Error = ex },
            };
        }
    }

    private Batch Find(string batchId) =>
        _batches.TryGetValue(batchId, out var batch) ? batch : throw new LlmException(LlmErrorKind.BadRequest, $"No batch '{batchId}'.");

    private sealed class Batch(string id, IReadOnlyList<BatchChatRequest> requests, DateTimeOffset createdAt)
    {
        public IReadOnlyList<BatchChatRequest> Requests { get; } = requests;

        public BatchStatus Status { get; set; } = BatchStatus.InProgress;

        public List<BatchResultLine>? Results { get; set; }

        public DateTimeOffset? EndedAt { get; set; }

        public BatchJob Job() => new(id, Status)
        {
            Provider = "llmkit-demo",
            CreatedAt = createdAt,
            EndedAt = EndedAt,
            Counts = new BatchRequestCounts(
                Requests.Count,
                Results?.Count(r => r.Response is not null) ?? 0,
                Results?.Count(r => r.Failure is not null) ?? 0,
                Status == BatchStatus.Cancelled ? Requests.Count : 0),
        };
    }
}
