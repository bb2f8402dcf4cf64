namespace LlmKit.Evaluation.Judging;

/// <summary>Settings of <see cref="LlmJudgeEvaluator{TOutput}"/>.</summary>
public sealed class LlmJudgeOptions
{
    /// <summary>Gets or sets the rubric used for cases that carry none of their own.</summary>
    /// <value>The default value is <see langword="null"/>: every case must have a rubric.</value>
    public string? DefaultRubric { get; set; }

    /// <summary>Gets or sets the score (1–5) at or above which a trial passes.</summary>
    /// <value>The default value is 4.</value>
    public int PassingScore { get; set; } = 4;

    /// <summary>Gets or sets the metric's name.</summary>
    /// <value>The default value is <c>judge</c>. The value reported is the score rescaled to [0, 1]: (score − 1) / 4.</value>
    public string MetricName { get; set; } = "judge";

    /// <summary>Gets or sets the instructions the judge model gets before the rubric.</summary>
    /// <value>The default value asks for a strict, rubric-only judgement.</value>
    public string Instructions { get; set; } =
        "You grade one answer against a rubric. Judge only what the rubric asks; do not reward length or style. " +
        "Quote the parts of the answer that decide each point. Be strict: a point the answer does not clearly meet is missed.";
}
