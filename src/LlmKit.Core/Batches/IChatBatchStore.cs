namespace LlmKit.Batches;

/// <summary>
/// Keeps <see cref="ChatBatchRecord"/>s so that a batch survives a restart of the app that submitted it:
/// <see cref="InMemoryChatBatchStore"/> for one process that does not restart, <see cref="FileChatBatchStore"/> for one
/// process that does; a store shared by replicas (for example on PostgreSQL) implements the same contract.
/// </summary>
public interface IChatBatchStore
{
    /// <summary>Adds a record or replaces the one with the same batch id.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the record is stored durably.</returns>
    ValueTask SaveAsync(ChatBatchRecord record, CancellationToken cancellationToken = default);

    /// <summary>Finds a record by batch id.</summary>
    /// <param name="batchId">The provider's batch id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The record, or <see langword="null"/>.</returns>
    ValueTask<ChatBatchRecord?> FindAsync(string batchId, CancellationToken cancellationToken = default);

    /// <summary>Lists the batches not accounted for yet (still running, or ended but not collected), oldest first.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    ValueTask<IReadOnlyList<ChatBatchRecord>> ListUnaccountedAsync(CancellationToken cancellationToken = default);
}
