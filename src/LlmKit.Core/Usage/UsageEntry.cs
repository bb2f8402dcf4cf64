using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Usage;

/// <summary>
/// One upstream model call as the usage ledger recorded it: who made it, what it used, what it cost and how it went.
/// Every retry attempt, fallback, tool-loop turn and structured-output re-ask is an entry of its own, and all the
/// entries of one call from the app share <see cref="LogicalCallId"/>, so summing entries never counts a call twice.
/// </summary>
/// <remarks>
/// Token counts follow LlmKit's usage convention (see <see cref="ChatCompletion.UsageDetailsExtensions"/>):
/// <see cref="InputTokens"/> includes <see cref="CacheReadTokens"/> and <see cref="CacheWriteTokens"/>.
/// A record, so that fields can be added later without breaking sinks written against it.
/// </remarks>
public sealed record UsageEntry
{
    /// <summary>
    /// Gets the entry's unique id, assigned once when the ledger creates it; stores that persist entries use it to make
    /// a retried write idempotent.
    /// </summary>
    public string Id { get; init; } = Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// Gets the id of the logical call this upstream call belongs to: every retry, fallback, tool-loop turn and
    /// structured-output re-ask of one call from the app carries the same id.
    /// </summary>
    public string? LogicalCallId { get; init; }

    /// <summary>Gets how the logical call reached the client that made this upstream call.</summary>
    public UsageRoute Route { get; init; }

    /// <summary>Gets when the call started.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the name of the LlmKit client that made the upstream call (a fallback or downgrade target's own name).</summary>
    public required string ClientName { get; init; }

    /// <summary>Gets the tenant the call was made for, if tagged.</summary>
    public string? Tenant { get; init; }

    /// <summary>Gets the product feature that made the call, if tagged.</summary>
    public string? Feature { get; init; }

    /// <summary>Gets the caller's request id, if tagged.</summary>
    public string? RequestId { get; init; }

    /// <summary>Gets the model the call asked for (the options' model, else the client's default).</summary>
    public string? RequestedModel { get; init; }

    /// <summary>Gets the model that answered, as the provider reported it.</summary>
    public string? ServedModel { get; init; }

    /// <summary>Gets all input tokens billed, cache reads and writes included.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the output tokens billed (reasoning included).</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the input tokens read from the provider's prompt cache.</summary>
    public long CacheReadTokens { get; init; }

    /// <summary>Gets the input tokens written to the provider's prompt cache.</summary>
    public long CacheWriteTokens { get; init; }

    /// <summary>Gets the cost in US dollars, or <see langword="null"/> when the served model has no price in the catalog.</summary>
    public decimal? Cost { get; init; }

    /// <summary>Gets how long the caller waited, from the call to the last byte of the answer.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Gets how long the first streamed update took, or <see langword="null"/> for non-streaming calls.</summary>
    public TimeSpan? TimeToFirstChunk { get; init; }

    /// <summary>Gets why the model stopped, when it said so.</summary>
    public ChatFinishReason? FinishReason { get; init; }

    /// <summary>Gets the attempt number of this upstream call on its client and route: 1 for the first, 2 for the first retry, ….</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Gets the structured-output re-ask this upstream call answered: 0 for the first question, <see langword="null"/> outside <c>GetObjectAsync</c>.</summary>
    public int? Reask { get; init; }

    /// <summary>Gets the tool-loop turn this upstream call made: 1 for the first, <see langword="null"/> outside a tool loop.</summary>
    public int? ToolTurn { get; init; }

    /// <summary>Gets whether the call streamed.</summary>
    public bool IsStreaming { get; init; }

    /// <summary>Gets how the call ended.</summary>
    public UsageOutcome Outcome { get; init; }

    /// <summary>Gets the error kind of a failed call (<see cref="LlmErrorKind.Unknown"/> for exceptions that are not <see cref="LlmException"/>).</summary>
    public LlmErrorKind? ErrorKind { get; init; }
}
