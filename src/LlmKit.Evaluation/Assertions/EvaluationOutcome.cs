namespace LlmKit.Evaluation.Assertions;

/// <summary>What an evaluation check concluded.</summary>
public enum EvaluationOutcome
{
    /// <summary>The data show the requirement is met, at the stated confidence.</summary>
    Passed,

    /// <summary>The data show the requirement is not met, at the stated confidence.</summary>
    Failed,

    /// <summary>The data cannot tell either way: run more cases (the message says about how many).</summary>
    Inconclusive,
}
