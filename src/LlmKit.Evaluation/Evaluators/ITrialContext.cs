using LlmKit.Evaluation.Datasets;

namespace LlmKit.Evaluation.Evaluators;

/// <summary>What an evaluator knows about the trial it scores: the case and which repetition this is.</summary>
/// <typeparam name="TExpected">The type of the expected answer.</typeparam>
public interface ITrialContext<out TExpected>
{
    /// <summary>Gets the case's id.</summary>
    string CaseId { get; }

    /// <summary>Gets the input the feature was called with.</summary>
    object? Input { get; }

    /// <summary>Gets the expected answer, if the case has one.</summary>
    TExpected? Expected { get; }

    /// <summary>Gets the case's rubric for a judge, if any.</summary>
    string? Rubric { get; }

    /// <summary>Gets the case's tags.</summary>
    IReadOnlyList<string> Tags { get; }

    /// <summary>Gets a person's judgement of the case, if the dataset has one.</summary>
    HumanJudgement? Human { get; }

    /// <summary>Gets the zero-based repetition of the case this trial is.</summary>
    int Repetition { get; }
}

/// <summary>The <see cref="ITrialContext{TExpected}"/> of a trial of a dataset case.</summary>
/// <typeparam name="TInput">The input type.</typeparam>
/// <typeparam name="TExpected">The expected answer's type.</typeparam>
/// <param name="Case">The case.</param>
/// <param name="Repetition">The zero-based repetition.</param>
public sealed record TrialContext<TInput, TExpected>(EvaluationCase<TInput, TExpected> Case, int Repetition) : ITrialContext<TExpected>
{
    /// <inheritdoc />
    public string CaseId => Case.Id;

    /// <inheritdoc />
    public object? Input => Case.Input;

    /// <inheritdoc />
    public TExpected? Expected => Case.Expected;

    /// <inheritdoc />
    public string? Rubric => Case.Rubric;

    /// <inheritdoc />
    public IReadOnlyList<string> Tags => Case.Tags;

    /// <inheritdoc />
    public HumanJudgement? Human => Case.Human;
}
