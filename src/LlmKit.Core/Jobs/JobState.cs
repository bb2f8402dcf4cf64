namespace LlmKit.Jobs;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>Waiting to run (first time, or again after a failed attempt).</summary>
    Queued = 0,

    /// <summary>Leased by a worker.</summary>
    Running,

    /// <summary>Completed.</summary>
    Succeeded,

    /// <summary>Failed every attempt, or failed in a way retrying cannot help; kept for inspection.</summary>
    DeadLettered,

    /// <summary>Cancelled before it finished.</summary>
    Cancelled,
}
