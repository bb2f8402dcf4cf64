using Microsoft.Extensions.AI;

namespace LlmKit.Batches;

/// <summary>
/// One line of a batch's results as the provider client read it: an answer (<see cref="Response"/>), a typed failure
/// (<see cref="Failure"/>), or a line that could not be read (<see cref="Problem"/>).
/// </summary>
public sealed record BatchResultLine
{
    /// <summary>Gets which result file the line is from: <c>output</c> or <c>errors</c> (OpenAI), <c>results</c> (Anthropic).</summary>
    public required string File { get; init; }

    /// <summary>Gets the line number in that file, from 1.</summary>
    public required int LineNumber { get; init; }

    /// <summary>Gets the custom id the line is for, when it could be read.</summary>
    public string? CustomId { get; init; }

    /// <summary>Gets the answer, for a request that succeeded.</summary>
    public ChatResponse? Response { get; init; }

    /// <summary>Gets why the request has no answer, for a request that failed, expired or was cancelled.</summary>
    public BatchRequestFailure? Failure { get; init; }

    /// <summary>Gets what is wrong with the line itself (not JSON, no custom id, an unexpected shape); the line is then neither answer nor failure.</summary>
    public string? Problem { get; init; }
}
