namespace LlmKit.Evaluation.Runs;

/// <summary>Why an evaluation run stopped.</summary>
public enum EvaluationStopReason
{
    /// <summary>Every planned trial ran.</summary>
    Completed,

    /// <summary>The run's spend reached its cost cap; trials not started were skipped.</summary>
    CostCapReached,

    /// <summary>A sequential test reached its decision before the planned trials ran out.</summary>
    SequentialDecision,
}
