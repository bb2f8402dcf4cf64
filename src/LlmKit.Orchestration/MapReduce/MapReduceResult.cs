using LlmKit.Errors;
using Microsoft.Extensions.AI;

namespace LlmKit.Orchestration.MapReduce;

/// <summary>A document for <see cref="ChatMapReduce"/>.</summary>
/// <param name="Id">Its id (a file name, a URL), carried into the citations.</param>
/// <param name="Text">Its text.</param>
public sealed record MapReduceDocument(string Id, string Text);

/// <summary>How a map-reduce run ended.</summary>
public enum MapReduceOutcome
{
    /// <summary>Every passage was read and the notes reduced to one answer.</summary>
    Completed,

    /// <summary>An answer was reduced, but some passages were skipped after failing (<see cref="MapFailurePolicy.Skip"/>); see <see cref="MapReduceResult.Chunks"/>.</summary>
    CompletedWithSkips,

    /// <summary>No answer: a map call failed under <see cref="MapFailurePolicy.Fail"/> or <see cref="MapFailurePolicy.Retry"/>, a reduce call failed, or the notes could not be reduced to fit; see <see cref="MapReduceResult.Failure"/>.</summary>
    Failed,
}

/// <summary>What became of one passage.</summary>
public enum MapChunkStatus
{
    /// <summary>Not read: the run stopped first.</summary>
    NotRun,

    /// <summary>Read; its notes went into the reduce step.</summary>
    Mapped,

    /// <summary>Read; the model found nothing relevant in it.</summary>
    NothingRelevant,

    /// <summary>Its map call failed and the passage was left out, marked as unreadable.</summary>
    Skipped,

    /// <summary>Its map call failed and the run stopped.</summary>
    Failed,
}

/// <summary>One passage of a map-reduce run, with where it is in its document.</summary>
/// <param name="Id">The passage's id as the model sees it and cites it (<c>c1</c>, <c>c2</c>, …).</param>
/// <param name="DocumentId">The document it is from.</param>
/// <param name="Start">The offset of its first character in the document.</param>
/// <param name="Length">Its length in characters.</param>
public sealed record MapReduceChunk(string Id, string DocumentId, int Start, int Length)
{
    /// <summary>Gets the passage's text.</summary>
    public required string Text { get; init; }

    /// <summary>Gets what became of it.</summary>
    public MapChunkStatus Status { get; init; }

    /// <summary>Gets the notes its map call wrote, when it was read.</summary>
    public string? Notes { get; init; }

    /// <summary>Gets how many map calls it took.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the failure of its last map call, when it failed.</summary>
    public LlmException? Error { get; init; }
}

/// <summary>A passage the answer cites, with where it is.</summary>
/// <param name="ChunkId">The marker's passage id.</param>
/// <param name="DocumentId">The document.</param>
/// <param name="Start">The offset of the passage's first character in the document.</param>
/// <param name="Length">The passage's length.</param>
public sealed record MapReduceCitation(string ChunkId, string DocumentId, int Start, int Length);

/// <summary>The outcome of a map-reduce run: the answer with its citations, and what became of every passage.</summary>
public sealed class MapReduceResult
{
    /// <summary>Gets how the run ended.</summary>
    public required MapReduceOutcome Outcome { get; init; }

    /// <summary>Gets the answer, with its passage markers (<c>[c3]</c>) as the model kept them; <see langword="null"/> when the run failed.</summary>
    public string? Answer { get; init; }

    /// <summary>Gets the passages the answer cites, in the order of their first marker.</summary>
    public IReadOnlyList<MapReduceCitation> Citations { get; init; } = [];

    /// <summary>Gets markers in the answer that name no passage of the run (the model made them up).</summary>
    public IReadOnlyList<string> UnknownCitations { get; init; } = [];

    /// <summary>Gets every passage, in document order.</summary>
    public IReadOnlyList<MapReduceChunk> Chunks { get; init; } = [];

    /// <summary>Gets how many reduce levels the tree had (1: one reduce call combined every note).</summary>
    public int Depth { get; init; }

    /// <summary>Gets how many model calls the run made (map tries and reduce calls).</summary>
    public int ModelCalls { get; init; }

    /// <summary>Gets why the run failed, for <see cref="MapReduceOutcome.Failed"/>.</summary>
    public LlmException? Failure { get; init; }

    /// <summary>Gets the tokens of every model call that answered.</summary>
    public UsageDetails Usage { get; init; } = new();

    /// <summary>Gets the id of the run's logical call: every map and reduce call's ledger entries carry it.</summary>
    public required string LogicalCallId { get; init; }
}
