using System.Globalization;
using System.Text;
using LlmKit.Evaluation.Assertions;
using LlmKit.Evaluation.Baselines;
using LlmKit.Evaluation.Judging;
using LlmKit.Evaluation.Runs;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Reports;

/// <summary>
/// A report of an evaluation run: a Markdown summary sized for a pull-request comment, and a self-contained HTML page
/// with plots (pass rates with interval bars per tag, baseline against candidate, cost and latency distributions)
/// that opens offline: inline SVG and CSS, no script, nothing fetched.
/// </summary>
public sealed class EvaluationReport
{
    private readonly EvaluationRunResult _run;
    private readonly double _confidence;
    private readonly List<EvaluationVerdict> _verdicts = [];
    private readonly List<BaselineComparison> _comparisons = [];
    private EvaluationBaseline? _baseline;

    /// <summary>Initializes a new instance of the <see cref="EvaluationReport"/> class.</summary>
    /// <param name="run">The run.</param>
    /// <param name="confidence">The two-sided confidence of the intervals shown.</param>
    public EvaluationReport(EvaluationRunResult run, double confidence = 0.95)
    {
        _run = run ?? throw new ArgumentNullException(nameof(run));
        _confidence = Proportion.Check(confidence);
    }

    /// <summary>Adds the verdicts of checks made on the run, shown first.</summary>
    /// <param name="verdicts">The verdicts.</param>
    /// <returns>This report.</returns>
    public EvaluationReport WithVerdicts(params EvaluationVerdict[] verdicts)
    {
        _verdicts.AddRange(verdicts ?? throw new ArgumentNullException(nameof(verdicts)));
        return this;
    }

    /// <summary>Compares the run with a baseline on the pass rate and the given metrics.</summary>
    /// <param name="baseline">The baseline.</param>
    /// <param name="margin">The tolerated drop used for the verdict column.</param>
    /// <param name="metrics">Metrics to compare besides the pass rate.</param>
    /// <returns>This report.</returns>
    public EvaluationReport WithBaseline(EvaluationBaseline baseline, double margin, params string[] metrics)
    {
        _baseline = baseline ?? throw new ArgumentNullException(nameof(baseline));
        foreach (string metric in new[] { EvaluationRunResult.PassMetric }.Concat(metrics ?? []))
        {
            _comparisons.Add(BaselineComparison.Compare(baseline, _run, metric, margin, 1 - (1 - _confidence) / 2));
        }

        return this;
    }

    /// <summary>Writes the Markdown summary.</summary>
    /// <returns>The Markdown.</returns>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        var passRate = _run.PassRate(_confidence);
        md.AppendLine(c, $"## Evaluation: {_run.Name}");
        md.AppendLine();
        md.AppendLine(c, $"{Summary()}");
        md.AppendLine();
        foreach (var verdict in _verdicts)
        {
            md.AppendLine(c, $"- **{verdict.Outcome}** — {verdict.Message}");
        }

        if (_verdicts.Count > 0)
        {
            md.AppendLine();
        }

        md.AppendLine(c, $"| metric | mean | {_confidence:0.#%} interval |");
        md.AppendLine("| --- | ---: | --- |");
        md.AppendLine(c, $"| pass rate | {passRate.Interval.Estimate:0.###} | [{passRate.Interval.Lower:0.###}, {passRate.Interval.Upper:0.###}] |");
        foreach (var (metric, interval) in MainMetrics())
        {
            md.AppendLine(c, $"| {metric} | {interval.Estimate:0.###} | [{interval.Lower:0.###}, {interval.Upper:0.###}] |");
        }

        var byTag = _run.PassRateByTag(_confidence);
        if (byTag.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| tag | cases | pass rate | interval |");
            md.AppendLine("| --- | ---: | ---: | --- |");
            foreach (var (tag, estimate) in byTag)
            {
                md.AppendLine(c, $"| {tag} | {estimate.Cases} | {estimate.Interval.Estimate:0.###} | [{estimate.Interval.Lower:0.###}, {estimate.Interval.Upper:0.###}] |");
            }
        }

        if (_comparisons.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| versus baseline | change | interval | p (worse) | verdict |");
            md.AppendLine("| --- | ---: | --- | ---: | --- |");
            foreach (var comparison in _comparisons.Where(x => x.Result is not null))
            {
                var r = comparison.Result!;
                md.AppendLine(c, $"| {Label(comparison.Metric)} | {r.Difference.Estimate:+0.###;-0.###;0} | [{r.Difference.Lower:+0.###;-0.###;0}, {r.Difference.Upper:+0.###;-0.###;0}] | {r.PValueWorse:0.####} | {r.Verdict} |");
            }
        }

        if (JudgeAgreement.Measure(_run) is { } agreement)
        {
            md.AppendLine();
            md.AppendLine(c, $"Judge check: {agreement}.");
        }

        var failing = Failing(8);
        if (failing.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("<details><summary>Failing cases</summary>");
            md.AppendLine();
            md.AppendLine("| case | failed | why (first failure) |");
            md.AppendLine("| --- | ---: | --- |");
            foreach (var (id, failed, total, why) in failing)
            {
                md.AppendLine(c, $"| {id} | {failed}/{total} | {why.Replace("|", "\\|", StringComparison.Ordinal)} |");
            }

            md.AppendLine();
            md.AppendLine("</details>");
        }

        return md.ToString();
    }

    /// <summary>Writes the self-contained HTML page.</summary>
    /// <returns>The HTML.</returns>
    public string ToHtml()
    {
        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">");
        html.AppendLine(c, $"<title>Evaluation: {Html.Escape(_run.Name)}</title>");
        html.AppendLine("<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#1f2328;padding:0 1rem}" +
            "table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left}" +
            "td.n{text-align:right;font-variant-numeric:tabular-nums}.Passed{color:#1a7f37}.Failed{color:#cf222e}.Inconclusive{color:#9a6700}" +
            "svg{display:block;margin:.5rem 0 1.5rem;max-width:100%}svg text{font:12px system-ui,sans-serif;fill:#1f2328}</style></head><body>");
        html.AppendLine(c, $"<h1>Evaluation: {Html.Escape(_run.Name)}</h1>");
        html.AppendLine(c, $"<p id=\"summary\">{Html.Escape(Summary())}</p>");
        if (_verdicts.Count > 0)
        {
            html.AppendLine("<ul id=\"verdicts\">");
            foreach (var verdict in _verdicts)
            {
                html.AppendLine(c, $"<li class=\"{verdict.Outcome}\"><strong>{verdict.Outcome}</strong> — {Html.Escape(verdict.Message)}</li>");
            }

            html.AppendLine("</ul>");
        }

        var passRate = _run.PassRate(_confidence);
        html.AppendLine(c, $"<h2>Metrics</h2><table id=\"metrics\"><tr><th>metric</th><th>mean</th><th>{_confidence:0.#%} interval</th></tr>");
        html.AppendLine(c, $"<tr><td>pass rate</td><td class=\"n\">{passRate.Interval.Estimate:0.###}</td><td>[{passRate.Interval.Lower:0.###}, {passRate.Interval.Upper:0.###}]</td></tr>");
        foreach (var (metric, interval) in MainMetrics())
        {
            html.AppendLine(c, $"<tr><td>{Html.Escape(metric)}</td><td class=\"n\">{interval.Estimate:0.###}</td><td>[{interval.Lower:0.###}, {interval.Upper:0.###}]</td></tr>");
        }

        html.AppendLine("</table>");

        var rows = new List<Charts.IntervalRow> { new("all cases", passRate.Interval, null) };
        var baselineByTag = _baseline is null ? null : BaselinePassRates(_baseline);
        foreach (var (tag, estimate) in _run.PassRateByTag(_confidence))
        {
            rows.Add(new Charts.IntervalRow(tag, estimate.Interval, baselineByTag is not null && baselineByTag.TryGetValue(tag, out var before) ? before : null));
        }

        if (baselineByTag is not null)
        {
            rows[0] = rows[0] with { Baseline = baselineByTag.TryGetValue(string.Empty, out var all) ? all : null };
        }

        html.AppendLine(c, $"<h2>Pass rate by tag</h2><p>Bars are the pass rate, whiskers its {_confidence:0.#%} interval (clustered by case){(_baseline is null ? "" : "; the grey bar above each is the baseline")}.</p>");
        html.AppendLine(Charts.IntervalBars("pass-rate-by-tag", rows));

        if (_comparisons.Count > 0)
        {
            html.AppendLine("<h2>Baseline versus candidate</h2><table id=\"comparison\"><tr><th>metric</th><th>change</th><th>interval</th><th>p (worse)</th><th>verdict</th><th>method</th></tr>");
            foreach (var comparison in _comparisons.Where(x => x.Result is not null))
            {
                var r = comparison.Result!;
                html.AppendLine(c, $"<tr><td>{Html.Escape(Label(comparison.Metric))}</td><td class=\"n\">{r.Difference.Estimate:+0.###;-0.###;0}</td><td>[{r.Difference.Lower:+0.###;-0.###;0}, {r.Difference.Upper:+0.###;-0.###;0}]</td><td class=\"n\">{r.PValueWorse:0.####}</td><td>{r.Verdict}</td><td>{Html.Escape(r.Method)}</td></tr>");
            }

            html.AppendLine("</table>");
            html.AppendLine(Charts.DifferenceChart("baseline-vs-candidate", _comparisons.Where(x => x.Result is not null).Select(x => (Label(x.Metric), x.Result!)).ToArray()));
        }

        var costs = _run.Trials.Where(t => t.Cost is not null).Select(t => (double)t.Cost!.Value).ToArray();
        html.AppendLine("<h2>Cost and latency</h2>");
        if (costs.Length > 0)
        {
            html.AppendLine(c, $"<p>Cost per trial (US dollars), {costs.Length} trials, total {costs.Sum():0.0000}.</p>");
            html.AppendLine(Charts.Histogram("cost-distribution", costs, "$"));
        }
        else
        {
            html.AppendLine("<p>Costs were not tracked (no EvaluationCostMeter).</p>");
        }

        var latencies = _run.Trials.Select(t => t.Latency.TotalMilliseconds).ToArray();
        html.AppendLine(c, $"<p>Latency per trial (milliseconds), median {Median(latencies):0.#}.</p>");
        html.AppendLine(Charts.Histogram("latency-distribution", latencies, "ms"));

        if (JudgeAgreement.Measure(_run) is { } agreement)
        {
            html.AppendLine(c, $"<h2>Judge check</h2><p id=\"judge-agreement\">{Html.Escape(agreement.ToString())}</p>");
        }

        var failing = Failing(50);
        if (failing.Count > 0)
        {
            html.AppendLine("<h2>Failing cases</h2><table id=\"failures\"><tr><th>case</th><th>failed</th><th>why (first failure)</th></tr>");
            foreach (var (id, failed, total, why) in failing)
            {
                html.AppendLine(c, $"<tr><td>{Html.Escape(id)}</td><td class=\"n\">{failed}/{total}</td><td>{Html.Escape(why)}</td></tr>");
            }

            html.AppendLine("</table>");
        }

        html.AppendLine("</body></html>");
        return html.ToString();
    }

    private string Summary()
    {
        var c = CultureInfo.InvariantCulture;
        string spend = _run.Spend is { } s ? string.Create(c, $", spend ${s:0.0000}") : string.Empty;
        string sequential = _run.Sequential is { } q
            ? string.Create(c, $" Sequential test: {q.Decision} after {q.Trials} trials (fixed design {q.FixedSampleTrials}, saved {q.Saving:P0}).")
            : string.Empty;
        int cases = _run.Trials.Select(t => t.CaseId).Distinct().Count();
        return string.Create(c,
            $"Dataset {_run.DatasetName} (version {_run.DatasetHash[..Math.Min(12, _run.DatasetHash.Length)]}): {_run.Trials.Count} trials over {cases} of {_run.Cases.Count} cases, {_run.Repetitions} repetition(s) planned; stopped: {_run.StopReason}{spend}; {_run.Duration.TotalSeconds:0.#} s.{sequential}");
    }

    // Overall metrics only: per-field metrics (name:path) would swamp a pull-request comment.
    private IEnumerable<(string Metric, Interval Interval)> MainMetrics() =>
        _run.MetricNames.Where(m => !m.Contains(':', StringComparison.Ordinal))
            .Select(m => (m, _run.Metric(m, _confidence)))
            .Where(p => p.Item2 is not null)
            .Select(p => (p.m, p.Item2!.Value));

    private List<(string Id, int Failed, int Total, string Why)> Failing(int count) =>
        _run.Trials.GroupBy(t => t.CaseId)
            .Select(g => (Id: g.Key, Failed: g.Count(t => !t.Passed), Total: g.Count(),
                Why: g.Where(t => !t.Passed).Select(t => t.Error ?? t.Scores.FirstOrDefault(s => s.Passed == false)?.Reason ?? "failed").FirstOrDefault() ?? string.Empty))
            .Where(f => f.Failed > 0)
            .OrderByDescending(f => (double)f.Failed / f.Total)
            .ThenBy(f => f.Id, StringComparer.Ordinal)
            .Take(count)
            .ToList();

    private Dictionary<string, Interval> BaselinePassRates(EvaluationBaseline baseline)
    {
        var result = new Dictionary<string, Interval>(StringComparer.Ordinal);
        void Add(string key, IEnumerable<BaselineCase> cases)
        {
            var list = cases.Where(x => x.Pass.Count > 0).ToArray();
            if (list.Length > 0)
            {
                result[key] = ClusteredProportion.Estimate(list.Select(x => (int)x.Pass.Sum()).ToArray(), list.Select(x => x.Pass.Count).ToArray(), _confidence).Interval;
            }
        }

        Add(string.Empty, baseline.Cases);
        foreach (string tag in baseline.Cases.SelectMany(x => x.Tags).Distinct(StringComparer.Ordinal))
        {
            Add(tag, baseline.Cases.Where(x => x.Tags.Contains(tag, StringComparer.Ordinal)));
        }

        return result;
    }

    private static string Label(string metric) => metric == EvaluationRunResult.PassMetric ? "pass rate" : metric;

    private static double Median(double[] values)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
