using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Baselines;

/// <summary>A candidate run compared with a baseline on the cases both have unchanged.</summary>
/// <param name="Metric">The metric compared (<see cref="EvaluationRunResult.PassMetric"/> for the pass rate).</param>
/// <param name="Result">The paired comparison, or <see langword="null"/> when no case could be paired.</param>
/// <param name="PairedCases">The ids of the cases compared.</param>
/// <param name="UnpairedCases">Cases left out, each with why (changed since the baseline, new, or missing from the run).</param>
public sealed record BaselineComparison(string Metric, PairedComparisonResult? Result, IReadOnlyList<string> PairedCases, IReadOnlyList<string> UnpairedCases)
{
    /// <summary>Pairs <paramref name="candidate"/> with <paramref name="baseline"/> case by case and compares them.</summary>
    /// <param name="baseline">The baseline.</param>
    /// <param name="candidate">The candidate run.</param>
    /// <param name="metric">The metric; <see cref="EvaluationRunResult.PassMetric"/> for the pass rate.</param>
    /// <param name="margin">The drop tolerated.</param>
    /// <param name="confidence">The confidence of each one-sided decision.</param>
    /// <returns>The comparison.</returns>
    public static BaselineComparison Compare(EvaluationBaseline baseline, EvaluationRunResult candidate, string metric = EvaluationRunResult.PassMetric, double margin = 0, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        var before = baseline.ValuesByCase(metric);
        var after = candidate.ValuesByCase(metric);
        var baselineHashes = baseline.Cases.ToDictionary(c => c.Id, c => c.Hash, StringComparer.Ordinal);
        var paired = new List<string>();
        var unpaired = new List<string>();
        foreach (var evaluationCase in candidate.Cases)
        {
            if (!baselineHashes.TryGetValue(evaluationCase.Id, out string? hash))
            {
                unpaired.Add($"{evaluationCase.Id} (new since the baseline)");
            }
            else if (hash != evaluationCase.ContentHash)
            {
                unpaired.Add($"{evaluationCase.Id} (changed since the baseline)");
            }
            else if (!before.ContainsKey(evaluationCase.Id) || !after.ContainsKey(evaluationCase.Id))
            {
                unpaired.Add($"{evaluationCase.Id} (no {metric} values on one side)");
            }
            else
            {
                paired.Add(evaluationCase.Id);
            }
        }

        unpaired.AddRange(baselineHashes.Keys.Where(id => candidate.Cases.All(c => c.Id != id)).Select(id => $"{id} (not in the run)"));
        var result = paired.Count == 0 ? null : PairedComparison.Compare(
            paired.Select(id => before[id]).ToArray(), paired.Select(id => after[id]).ToArray(), margin, confidence, seed: candidate.Seed);
        return new BaselineComparison(metric, result, paired, unpaired);
    }
}
