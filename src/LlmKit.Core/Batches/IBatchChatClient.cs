namespace LlmKit.Batches;

/// <summary>
/// A provider's batch API for chat requests (OpenAI's Batch API, Anthropic's Message Batches): many requests sent at
/// once, answered within a day at a discount. This is the wire contract each provider package implements; apps use
/// <see cref="ChatBatchRunner"/>, which adds durable tracking, polling, result mapping and usage accounting on top.
/// </summary>
/// <remarks>
/// Every method is one HTTP exchange (results: one download) and translates failures into
/// <see cref="Errors.LlmException"/> as the provider's chat client does. Nothing here retries or waits: a batch is
/// tracked across restarts by its id, so the caller decides when to ask again.
/// </remarks>
public interface IBatchChatClient
{
    /// <summary>Gets the provider name (<c>openai</c>, <c>anthropic</c>), as in telemetry and exceptions.</summary>
    string ProviderName { get; }

    /// <summary>Gets the most requests the provider accepts in one batch.</summary>
    int MaxRequestsPerBatch { get; }

    /// <summary>Creates a batch of chat requests and returns it as the provider first reports it.</summary>
    /// <param name="requests">The requests; custom ids must be unique and valid for the provider.</param>
    /// <param name="cancellationToken">Cancels the submission (a batch the provider already created stays created).</param>
    /// <returns>The new batch.</returns>
    /// <exception cref="ArgumentException">A request is invalid for this provider (custom id, missing model, too many requests).</exception>
    Task<BatchJob> SubmitAsync(IReadOnlyList<BatchChatRequest> requests, CancellationToken cancellationToken = default);

    /// <summary>Reads a batch's current status.</summary>
    /// <param name="batchId">The provider's batch id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The batch.</returns>
    Task<BatchJob> GetBatchAsync(string batchId, CancellationToken cancellationToken = default);

    /// <summary>Asks the provider to cancel a batch; requests already answered keep their results.</summary>
    /// <param name="batchId">The provider's batch id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The batch after the request (usually <see cref="BatchStatus.Cancelling"/>).</returns>
    Task<BatchJob> CancelAsync(string batchId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the results of a batch that has ended, one line at a time: each line is an answer, a typed failure, or a
    /// problem with the line itself (it is not valid JSON, or lacks a custom id), reported with its line number so that
    /// one broken line loses nothing else.
    /// </summary>
    /// <param name="batchId">The provider's batch id.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The result lines, in the provider's order (not the submission order).</returns>
    IAsyncEnumerable<BatchResultLine> ReadResultsAsync(string batchId, CancellationToken cancellationToken = default);
}
