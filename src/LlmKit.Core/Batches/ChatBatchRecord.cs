using System.Text.Json.Serialization;
using LlmKit.Budgets;
using LlmKit.Usage;

namespace LlmKit.Batches;

/// <summary>
/// What <see cref="ChatBatchRunner"/> remembers about a batch it submitted, in an <see cref="IChatBatchStore"/>: enough
/// to find it again after a restart, match its results to the requests, and account for it exactly once.
/// </summary>
public sealed record ChatBatchRecord
{
    /// <summary>Gets the provider's batch id.</summary>
    public required string BatchId { get; init; }

    /// <summary>Gets the name of the <see cref="IBatchChatClient"/> registration that submitted it.</summary>
    public required string ClientName { get; init; }

    /// <summary>Gets the provider name.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the requests, in submission order: each custom id with the model it asked for.</summary>
    public required IReadOnlyList<ChatBatchRequestRecord> Requests { get; init; }

    /// <summary>Gets the tenant the batch is billed to, if tagged.</summary>
    public string? Tenant { get; init; }

    /// <summary>Gets the product feature that submitted the batch, if tagged.</summary>
    public string? Feature { get; init; }

    /// <summary>Gets the caller's request id, if tagged.</summary>
    public string? RequestId { get; init; }

    /// <summary>Gets when the batch was submitted.</summary>
    public required DateTimeOffset SubmittedAt { get; init; }

    /// <summary>Gets the status last seen.</summary>
    public BatchStatus Status { get; init; }

    /// <summary>Gets the request counts last seen.</summary>
    public BatchRequestCounts Counts { get; init; }

    /// <summary>Gets when the provider will expire the batch.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets the errors about the batch as a whole, when the provider reported any (a failed batch says why here).</summary>
    public IReadOnlyList<BatchError> Errors { get; init; } = [];

    /// <summary>Gets when the status was last read.</summary>
    public DateTimeOffset? LastPolledAt { get; init; }

    /// <summary>Gets the budget reservation held for the batch's worst case until its results are settled, when budgets apply.</summary>
    public BudgetReservation? Reservation { get; init; }

    /// <summary>
    /// Gets when the results were collected and written to the usage ledger (and the budget settled); <see langword="null"/>
    /// until then. A batch is accounted for once: collecting it again returns its results without recording them again.
    /// </summary>
    public DateTimeOffset? AccountedAt { get; init; }

    /// <summary>Gets a value indicating whether the batch has ended at the provider.</summary>
    [JsonIgnore]
    public bool IsEnded => Status is BatchStatus.Completed or BatchStatus.Failed or BatchStatus.Expired or BatchStatus.Cancelled;

    /// <summary>Gets the caller tags the batch carries.</summary>
    [JsonIgnore]
    public CallerTags Tags => new(Tenant, Feature, RequestId);
}

/// <summary>One request of a tracked batch.</summary>
/// <param name="CustomId">Its custom id.</param>
/// <param name="Model">The model it asked for, when it named one.</param>
public sealed record ChatBatchRequestRecord(string CustomId, string? Model);
