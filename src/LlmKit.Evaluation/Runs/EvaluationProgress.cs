namespace LlmKit.Evaluation.Runs;

/// <summary>A snapshot of a running evaluation, reported after every trial.</summary>
/// <param name="Completed">Trials finished (resumed ones included).</param>
/// <param name="Total">Trials planned (for a sequential run: the trial limit).</param>
/// <param name="Passed">Trials that passed.</param>
/// <param name="Errors">Trials whose feature or evaluator threw.</param>
/// <param name="Spend">The run's spend so far, in US dollars.</param>
/// <param name="Elapsed">Time since the run started.</param>
public readonly record struct EvaluationProgress(int Completed, int Total, int Passed, int Errors, decimal Spend, TimeSpan Elapsed)
{
    /// <summary>Gets the trials that failed without an error.</summary>
    public int Failed => Completed - Passed - Errors;
}
