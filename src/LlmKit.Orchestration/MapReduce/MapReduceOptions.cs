using LlmKit.Rag.Chunking;

namespace LlmKit.Orchestration.MapReduce;

/// <summary>What to do when a map call fails (after the resilience stage has retried what it retries).</summary>
public enum MapFailurePolicy
{
    /// <summary>Stop: cancel the other map calls and end with <see cref="MapReduceOutcome.Failed"/>; the passages already read are kept in the result.</summary>
    Fail,

    /// <summary>Leave the passage out: the reduce step is told it could not be read (a marker, so the answer can say so), and the result lists it.</summary>
    Skip,

    /// <summary>Ask again, up to <see cref="MapReduceOptions.MaxMapAttempts"/> times in all, then fail.</summary>
    Retry,
}

/// <summary>Settings of <see cref="ChatMapReduce"/>.</summary>
public sealed class MapReduceOptions
{
    /// <summary>Gets or sets what each map call does with its passage, for example "List every statement about refunds".</summary>
    /// <value>The default value is empty; it must be set.</value>
    public string MapInstruction { get; set; } = string.Empty;

    /// <summary>Gets or sets how the notes of the passages become the answer, for example "Answer the question from these notes".</summary>
    /// <value>The default value is empty; it must be set.</value>
    public string ReduceInstruction { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets how intermediate levels of a tree reduction merge notes, when they should differ from the final
    /// answer (merge notes, keep every fact, rather than write the answer).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ReduceInstruction"/> at every level.</value>
    public string? CollapseInstruction { get; set; }

    /// <summary>Gets or sets how many model calls run at once.</summary>
    /// <value>The default value is 4. Valid values are 1 to 64.</value>
    public int MaxConcurrency { get; set; } = MapReduceConstants.DefaultMaxConcurrency;

    /// <summary>Gets or sets what a failed map call does to the run.</summary>
    /// <value>The default value is <see cref="MapFailurePolicy.Fail"/>: an answer built without a passage is wrong without saying so, unless you choose that.</value>
    public MapFailurePolicy OnMapFailure { get; set; } = MapFailurePolicy.Fail;

    /// <summary>Gets or sets how often a map call is tried in all under <see cref="MapFailurePolicy.Retry"/>.</summary>
    /// <value>The default value is 3. Valid values are 1 to 10.</value>
    public int MaxMapAttempts { get; set; } = MapReduceConstants.DefaultMaxMapAttempts;

    /// <summary>Gets or sets how many reduce levels the tree may have before the run fails as not converging.</summary>
    /// <value>The default value is 6 (64 passages per level at a fan-in of two reach one answer within 6 levels; a usual fan-in is much larger). Valid values are 1 to 32.</value>
    public int MaxReduceDepth { get; set; } = MapReduceConstants.DefaultMaxReduceDepth;

    /// <summary>Gets or sets the passage size in tokens.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: as large as the context budget leaves room for beside the map
    /// prompt. When set it must fit that room too.
    /// </value>
    public int? ChunkTokens { get; set; }

    /// <summary>Gets or sets the chunker for a passage size; a <see cref="RecursiveChunker"/> (paragraphs, lines, sentences, words) when <see langword="null"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<int, IChunker>? ChunkerFactory { get; set; }

    internal IEnumerable<string> Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(MapInstruction))
        {
            yield return $"{section}:MapInstruction must be set: it says what to take from each passage.";
        }

        if (string.IsNullOrWhiteSpace(ReduceInstruction))
        {
            yield return $"{section}:ReduceInstruction must be set: it says how the notes become the answer.";
        }

        if (MaxConcurrency is < 1 or > 64)
        {
            yield return $"{section}:MaxConcurrency must be between 1 and 64, but was {MaxConcurrency}.";
        }

        if (!Enum.IsDefined(OnMapFailure))
        {
            yield return $"{section}:OnMapFailure must be Fail, Skip or Retry, but was {OnMapFailure}.";
        }

        if (MaxMapAttempts is < 1 or > 10)
        {
            yield return $"{section}:MaxMapAttempts must be between 1 and 10, but was {MaxMapAttempts}.";
        }

        if (MaxReduceDepth is < 1 or > 32)
        {
            yield return $"{section}:MaxReduceDepth must be between 1 and 32, but was {MaxReduceDepth}.";
        }

        if (ChunkTokens is < 16)
        {
            yield return $"{section}:ChunkTokens must be at least 16 when set, but was {ChunkTokens}.";
        }
    }
}

/// <summary>Defaults and fixed texts of <see cref="ChatMapReduce"/>.</summary>
public static class MapReduceConstants
{
    /// <summary>The default number of calls at once: 4.</summary>
    public const int DefaultMaxConcurrency = 4;

    /// <summary>The default number of tries of a map call under <see cref="MapFailurePolicy.Retry"/>: 3.</summary>
    public const int DefaultMaxMapAttempts = 3;

    /// <summary>The default depth limit of the reduce tree: 6.</summary>
    public const int DefaultMaxReduceDepth = 6;

    /// <summary>What a map call answers when its passage has nothing relevant; such notes are left out of the reduce step.</summary>
    public const string NothingRelevant = "NOTHING RELEVANT";

    /// <summary>The kind of the run's logical call in telemetry: <c>map_reduce</c>.</summary>
    public const string CallKind = "map_reduce";
}
