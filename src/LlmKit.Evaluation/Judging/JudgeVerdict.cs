using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace LlmKit.Evaluation.Judging;

/// <summary>What an LLM judge returns: its reasons first (models write better scores after reasoning), then the score.</summary>
[Description("A judgement of one answer against a rubric.")]
public sealed record JudgeVerdict
{
    /// <summary>Gets the reasons for the score, citing the rubric's points.</summary>
    [Description("Why the answer earns its score: which points of the rubric it meets and which it misses.")]
    [Required, MinLength(1)]
    public required string Reasons { get; init; }

    /// <summary>Gets the score from 1 (fails the rubric) to 5 (meets every point).</summary>
    [Description("1 = fails the rubric, 3 = partly meets it, 5 = meets every point.")]
    [Range(1, 5)]
    public required int Score { get; init; }
}
