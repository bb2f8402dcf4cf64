using System.Globalization;
using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Judging;

/// <summary>How far an LLM judge agrees with the people who labelled the dataset.</summary>
/// <param name="Metric">The judge's metric.</param>
/// <param name="Trials">Judged trials of labelled cases.</param>
/// <param name="Cases">Labelled cases with a judged trial.</param>
/// <param name="Agreement">The share of trials where the judge's pass/fail equals the person's, with a clustered interval.</param>
/// <param name="Kappa">Cohen's kappa: agreement beyond what chance gives (1 perfect, 0 chance, below 0 worse than chance).</param>
/// <param name="ScoreMeanAbsoluteError">The mean absolute difference of judge and human scores on the 1–5 scale, when people gave scores.</param>
public sealed record JudgeAgreement(string Metric, int Trials, int Cases, ClusteredProportionEstimate? Agreement, double Kappa, double? ScoreMeanAbsoluteError)
{
    /// <summary>Measures the judge behind <paramref name="metric"/> against the dataset's human judgements.</summary>
    /// <param name="run">The run whose trials the judge scored.</param>
    /// <param name="metric">The judge's metric name.</param>
    /// <param name="confidence">The confidence of the agreement interval.</param>
    /// <returns>The agreement, or <see langword="null"/> when no labelled case was judged.</returns>
    public static JudgeAgreement? Measure(EvaluationRunResult run, string metric = "judge", double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(run);
        var humans = run.Cases.Where(c => c.Human is not null).ToDictionary(c => c.Id, c => c.Human!, StringComparer.Ordinal);
        var pairs = new List<(string Case, bool Judge, bool Human)>();
        var scoreErrors = new List<double>();
        foreach (var trial in run.Trials)
        {
            if (!humans.TryGetValue(trial.CaseId, out var human) || trial.Scores.FirstOrDefault(s => s.Name == metric) is not { } score)
            {
                continue;
            }

            if (score.Passed is { } judged && human.Passed is { } labelled)
            {
                pairs.Add((trial.CaseId, judged, labelled));
            }

            if (human.Score is { } humanScore && double.IsFinite(score.Value))
            {
                scoreErrors.Add(Math.Abs(1 + 4 * score.Value - humanScore));
            }
        }

        if (pairs.Count == 0 && scoreErrors.Count == 0)
        {
            return null;
        }

        ClusteredProportionEstimate? agreement = null;
        double kappa = double.NaN;
        if (pairs.Count > 0)
        {
            var byCase = pairs.GroupBy(p => p.Case).ToArray();
            agreement = ClusteredProportion.Estimate(byCase.Select(g => g.Count(p => p.Judge == p.Human)).ToArray(), byCase.Select(g => g.Count()).ToArray(), confidence);
            double observed = (double)pairs.Count(p => p.Judge == p.Human) / pairs.Count;
            double judgeYes = (double)pairs.Count(p => p.Judge) / pairs.Count, humanYes = (double)pairs.Count(p => p.Human) / pairs.Count;
            double chance = judgeYes * humanYes + (1 - judgeYes) * (1 - humanYes);
            kappa = chance >= 1 ? (observed >= 1 ? 1 : 0) : (observed - chance) / (1 - chance);
        }

        return new JudgeAgreement(metric, pairs.Count, pairs.Select(p => p.Case).Distinct().Count(), agreement, kappa, scoreErrors.Count == 0 ? null : scoreErrors.Average());
    }

    /// <inheritdoc />
    public override string ToString()
    {
        string scores = ScoreMeanAbsoluteError is { } mae ? string.Create(CultureInfo.InvariantCulture, $", mean score error {mae:0.00} on 1–5") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"judge '{Metric}' vs people on {Cases} cases ({Trials} trials): agreement {Agreement?.Interval.ToString() ?? "n/a"}, Cohen's kappa {Kappa:0.00}{scores}");
    }
}
