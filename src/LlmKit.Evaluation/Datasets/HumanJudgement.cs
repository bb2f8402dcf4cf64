namespace LlmKit.Evaluation.Datasets;

/// <summary>What a person decided about a case's answer, kept in the dataset to check an LLM judge against.</summary>
/// <param name="Passed">Whether the person judged the answer acceptable.</param>
/// <param name="Score">The person's score on the judge's scale, if they gave one.</param>
/// <param name="Note">Why, in the person's words.</param>
public sealed record HumanJudgement(bool? Passed = null, double? Score = null, string? Note = null);
