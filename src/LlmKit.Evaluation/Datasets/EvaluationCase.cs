namespace LlmKit.Evaluation.Datasets;

/// <summary>One case of an evaluation dataset: what the feature gets, what a good answer is, and how to find it in a report.</summary>
/// <typeparam name="TInput">What the feature under evaluation takes.</typeparam>
/// <typeparam name="TExpected">What a correct answer is (or holds), for the evaluators.</typeparam>
/// <remarks>In JSON Lines a case is one object per line: <c>{"id": "…", "input": …, "expected": …, "rubric": "…", "tags": ["…"], "human": {"passed": true}}</c>.</remarks>
public sealed record EvaluationCase<TInput, TExpected>
{
    /// <summary>Gets the case's id, unique in its dataset; baselines and reports pair cases by it.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the input the feature is called with.</summary>
    public required TInput Input { get; init; }

    /// <summary>Gets the expected output (or what it must contain), when the evaluators need one.</summary>
    public TExpected? Expected { get; init; }

    /// <summary>Gets what an LLM judge should check for this case, when a rubric applies.</summary>
    public string? Rubric { get; init; }

    /// <summary>Gets the tags reports group by, for example <c>quoted-reply</c> or <c>long</c>.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets a person's judgement of the answer, used to measure an LLM judge's agreement.</summary>
    public HumanJudgement? Human { get; init; }
}
