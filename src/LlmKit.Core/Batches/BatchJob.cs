namespace LlmKit.Batches;

/// <summary>Where a batch stands, in terms common to the providers.</summary>
public enum BatchStatus
{
    /// <summary>The provider is checking the input (OpenAI <c>validating</c>).</summary>
    Validating,

    /// <summary>Requests are being processed (OpenAI <c>in_progress</c>, Anthropic <c>in_progress</c>).</summary>
    InProgress,

    /// <summary>Processing is done and the result files are being written (OpenAI <c>finalizing</c>).</summary>
    Finalizing,

    /// <summary>A cancellation was asked for and is under way (OpenAI <c>cancelling</c>, Anthropic <c>canceling</c>).</summary>
    Cancelling,

    /// <summary>Every request was processed; results are ready (OpenAI <c>completed</c>, Anthropic <c>ended</c>).</summary>
    Completed,

    /// <summary>The batch was rejected as a whole, for example its input did not validate (OpenAI <c>failed</c>); see <see cref="BatchJob.Errors"/>.</summary>
    Failed,

    /// <summary>
    /// The completion window passed before every request ran (OpenAI <c>expired</c>; Anthropic <c>ended</c> with expired
    /// requests): the finished requests have results, the others are failures of kind <see cref="BatchFailureKind.Expired"/>.
    /// </summary>
    Expired,

    /// <summary>The batch was cancelled; requests answered before that keep their results (OpenAI <c>cancelled</c>, Anthropic <c>ended</c> after a cancel).</summary>
    Cancelled,
}

/// <summary>How many requests of a batch are in each state, as far as the provider says.</summary>
/// <param name="Total">All requests.</param>
/// <param name="Succeeded">Requests answered.</param>
/// <param name="Failed">Requests that failed (errored).</param>
/// <param name="Cancelled">Requests not run because the batch was cancelled (Anthropic counts them; OpenAI counts them as failed).</param>
/// <param name="Expired">Requests not run before the batch expired (Anthropic counts them; OpenAI counts them as failed).</param>
public readonly record struct BatchRequestCounts(int Total, int Succeeded, int Failed, int Cancelled = 0, int Expired = 0)
{
    /// <summary>Gets the requests not finished yet.</summary>
    public int Pending => Math.Max(0, Total - Succeeded - Failed - Cancelled - Expired);
}

/// <summary>An error about the batch as a whole (OpenAI's <c>errors</c>: input lines that did not validate).</summary>
/// <param name="Code">The provider's error code.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Line">The input line it concerns (1-based), when it concerns one.</param>
public sealed record BatchError(string? Code, string Message, int? Line = null);

/// <summary>A batch as the provider reported it at one moment.</summary>
/// <param name="Id">The provider's batch id.</param>
/// <param name="Status">Where it stands.</param>
public sealed record BatchJob(string Id, BatchStatus Status)
{
    /// <summary>Gets the provider name.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the request counts.</summary>
    public BatchRequestCounts Counts { get; init; }

    /// <summary>Gets when the batch was created.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets when the provider will expire it if it has not ended.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets when processing ended, once it has.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Gets errors about the batch as a whole (a <see cref="BatchStatus.Failed"/> batch says why here).</summary>
    public IReadOnlyList<BatchError> Errors { get; init; } = [];

    /// <summary>Gets a value indicating whether the batch has ended: nothing about it changes any more.</summary>
    public bool IsTerminal => Status is BatchStatus.Completed or BatchStatus.Failed or BatchStatus.Expired or BatchStatus.Cancelled;
}
