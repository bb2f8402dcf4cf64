using System.Collections.Concurrent;

namespace LlmKit.Batches;

/// <summary>Batch records in process memory: for tests and for apps that never restart while a batch runs.</summary>
public sealed class InMemoryChatBatchStore : IChatBatchStore
{
    private readonly ConcurrentDictionary<string, ChatBatchRecord> _records = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask SaveAsync(ChatBatchRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records[record.BatchId] = record;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ChatBatchRecord?> FindAsync(string batchId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batchId);
        return ValueTask.FromResult(_records.GetValueOrDefault(batchId));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChatBatchRecord>> ListUnaccountedAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<ChatBatchRecord>>(
            _records.Values.Where(r => r.AccountedAt is null).OrderBy(r => r.SubmittedAt).ThenBy(r => r.BatchId, StringComparer.Ordinal).ToArray());
}
