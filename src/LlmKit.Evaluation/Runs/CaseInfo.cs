using LlmKit.Evaluation.Datasets;

namespace LlmKit.Evaluation.Runs;

/// <summary>What a run result keeps of each case: enough to group, pair and check judges, not the whole input.</summary>
/// <param name="Id">The case's id.</param>
/// <param name="Tags">The case's tags.</param>
/// <param name="ContentHash">The case's content hash; baselines pair only cases whose content did not change.</param>
/// <param name="Human">The case's human judgement, if any.</param>
public sealed record CaseInfo(string Id, IReadOnlyList<string> Tags, string ContentHash, HumanJudgement? Human = null);
