using Microsoft.Extensions.AI;

namespace LlmKit.Batches;

/// <summary>The outcome of one request of a batch: its answer, or why there is none.</summary>
/// <param name="CustomId">The request's custom id.</param>
public sealed record BatchItemResult(string CustomId)
{
    /// <summary>Gets the answer, when the request succeeded.</summary>
    public ChatResponse? Response { get; init; }

    /// <summary>Gets why there is no answer, when the request failed.</summary>
    public BatchRequestFailure? Failure { get; init; }

    /// <summary>Gets what the request cost at the batch price, when the catalog knows the model's price.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Gets a value indicating whether the request has an answer.</summary>
    public bool IsSuccess => Response is not null;
}

/// <summary>A result line that could not be matched to a request: unreadable, without a custom id, for an id the batch never had, or a second result for one id.</summary>
/// <param name="File">The result file (<c>output</c>, <c>errors</c>, <c>results</c>).</param>
/// <param name="LineNumber">The line, from 1.</param>
/// <param name="CustomId">The custom id the line named, when it could be read.</param>
/// <param name="Reason">What is wrong with it.</param>
public sealed record BatchResultProblem(string File, int LineNumber, string? CustomId, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => $"{File} line {LineNumber}{(CustomId is null ? "" : $" ({CustomId})")}: {Reason}";
}

/// <summary>A batch's results, mapped back to the requests by custom id, with every line that could not be mapped.</summary>
public sealed class ChatBatchResult
{
    internal ChatBatchResult(ChatBatchRecord record, IReadOnlyList<BatchItemResult> items, IReadOnlyList<BatchResultProblem> problems, bool accountedNow)
    {
        Record = record;
        Items = items;
        Problems = problems;
        AccountedNow = accountedNow;
        ById = items.ToDictionary(i => i.CustomId, StringComparer.Ordinal);
    }

    /// <summary>Gets the batch's record, as stored after collecting.</summary>
    public ChatBatchRecord Record { get; }

    /// <summary>Gets the outcome of every request, in submission order: an answer or a typed failure for each, none missing.</summary>
    public IReadOnlyList<BatchItemResult> Items { get; }

    /// <summary>Gets the outcomes by custom id.</summary>
    public IReadOnlyDictionary<string, BatchItemResult> ById { get; }

    /// <summary>Gets the result lines that could not be mapped to a request, each with its file and line number.</summary>
    public IReadOnlyList<BatchResultProblem> Problems { get; }

    /// <summary>
    /// Gets a value indicating whether this collection wrote the batch to the usage ledger (and settled its budget);
    /// <see langword="false"/> when an earlier collection already had.
    /// </summary>
    public bool AccountedNow { get; }

    /// <summary>Gets how many requests have an answer.</summary>
    public int Succeeded => Items.Count(i => i.IsSuccess);

    /// <summary>Gets how many requests have none.</summary>
    public int Failed => Items.Count(i => !i.IsSuccess);

    /// <summary>Gets the cost of the answered requests at the batch price (requests whose model has no price count 0).</summary>
    public decimal Cost => Items.Sum(i => i.Cost ?? 0m);
}
