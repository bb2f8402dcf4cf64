namespace LlmKit.Evaluation.Statistics;

/// <summary>Where a sequential pass-rate test stands.</summary>
public enum SequentialDecision
{
    /// <summary>Not decided yet: run more trials.</summary>
    Continue,

    /// <summary>The rate is shown to be above the bar.</summary>
    Above,

    /// <summary>The rate is shown to be below the bar.</summary>
    Below,

    /// <summary>The rate is shown to be within the indifference zone around the bar: neither clearly above nor below.</summary>
    NearTheBar,

    /// <summary>The trial limit was reached before any decision.</summary>
    Truncated,
}
