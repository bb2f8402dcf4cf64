using System.Globalization;
using System.Text;
using LlmKit.Evaluation.Statistics;

namespace LlmKit.Evaluation.Reports;

/// <summary>The report's plots as inline SVG: simple, readable without a script, printable.</summary>
internal static class Charts
{
    private const int Width = 760;
    private const int LabelWidth = 180;
    private const int PlotWidth = Width - LabelWidth - 40;

    public sealed record IntervalRow(string Label, Interval Candidate, Interval? Baseline);

    /// <summary>Horizontal bars on a 0–1 axis with interval whiskers; an optional thinner grey baseline bar above each.</summary>
    public static string IntervalBars(string id, IReadOnlyList<IntervalRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        int rowHeight = rows.Any(r => r.Baseline is not null) ? 34 : 24;
        int height = rows.Count * rowHeight + 40;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg id=\"{id}\" role=\"img\" aria-label=\"pass rate by tag\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        Axis(svg, rows.Count * rowHeight + 10);
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            double y = 10 + i * rowHeight;
            svg.Append(c, $"<text x=\"{LabelWidth - 8}\" y=\"{y + rowHeight - 10}\" text-anchor=\"end\">{Html.Escape(row.Label)}</text>");
            double barY = y;
            if (row.Baseline is { } baseline)
            {
                Bar(svg, baseline, barY + 2, 8, "#afb8c1", "baseline");
                barY += 10;
            }

            Bar(svg, row.Candidate, barY + 2, 14, "#0969da", "candidate");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>Candidate − baseline per metric, a dot at the estimate with its interval, around a zero line.</summary>
    public static string DifferenceChart(string id, IReadOnlyList<(string Label, PairedComparisonResult Result)> rows)
    {
        var c = CultureInfo.InvariantCulture;
        double extent = Math.Max(0.05, rows.Max(r => Math.Max(Math.Abs(r.Result.Difference.Lower), Math.Abs(r.Result.Difference.Upper))) * 1.2);
        int height = rows.Count * 26 + 40;
        double X(double v) => LabelWidth + (v + extent) / (2 * extent) * PlotWidth;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg id=\"{id}\" role=\"img\" aria-label=\"baseline versus candidate\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">");
        svg.Append(c, $"<line x1=\"{X(0):0.#}\" y1=\"4\" x2=\"{X(0):0.#}\" y2=\"{height - 24}\" stroke=\"#57606a\" stroke-dasharray=\"4 3\"/>");
        foreach (double tick in new[] { -extent, -extent / 2, 0, extent / 2, extent })
        {
            svg.Append(c, $"<text x=\"{X(tick):0.#}\" y=\"{height - 8}\" text-anchor=\"middle\">{tick:+0.###;-0.###;0}</text>");
        }

        for (int i = 0; i < rows.Count; i++)
        {
            var (label, result) = rows[i];
            double y = 14 + i * 26;
            string colour = result.Verdict switch { ComparisonVerdict.Worse => "#cf222e", ComparisonVerdict.NoWorse => "#1a7f37", _ => "#9a6700" };
            svg.Append(c, $"<text x=\"{LabelWidth - 8}\" y=\"{y + 4}\" text-anchor=\"end\">{Html.Escape(label)}</text>");
            svg.Append(c, $"<line class=\"difference\" x1=\"{X(result.Difference.Lower):0.#}\" y1=\"{y}\" x2=\"{X(result.Difference.Upper):0.#}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"2\"/>");
            svg.Append(c, $"<circle cx=\"{X(result.Difference.Estimate):0.#}\" cy=\"{y}\" r=\"4\" fill=\"{colour}\"><title>{Html.Escape(label)}: {result.Difference} — {result.Verdict}</title></circle>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A histogram of <paramref name="values"/> in up to 20 bins.</summary>
    public static string Histogram(string id, IReadOnlyList<double> values, string unit)
    {
        var c = CultureInfo.InvariantCulture;
        const int Height = 160, Bins = 20;
        double min = values.Count == 0 ? 0 : values.Min(), max = values.Count == 0 ? 1 : values.Max();
        if (max <= min)
        {
            max = min + Math.Max(1e-9, Math.Abs(min) * 0.1 + 1e-6);
        }

        var counts = new int[Bins];
        foreach (double value in values)
        {
            counts[Math.Min(Bins - 1, (int)((value - min) / (max - min) * Bins))]++;
        }

        int top = Math.Max(1, counts.Max());
        double binWidth = (double)(Width - 80) / Bins;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg id=\"{id}\" role=\"img\" aria-label=\"{id}\" width=\"{Width}\" height=\"{Height + 30}\" viewBox=\"0 0 {Width} {Height + 30}\" xmlns=\"http://www.w3.org/2000/svg\">");
        for (int i = 0; i < Bins; i++)
        {
            double h = (double)counts[i] / top * (Height - 10);
            svg.Append(c, $"<rect class=\"bin\" x=\"{40 + i * binWidth:0.#}\" y=\"{Height - h:0.#}\" width=\"{binWidth - 2:0.#}\" height=\"{h:0.#}\" fill=\"#8250df\"><title>{counts[i]} trial(s)</title></rect>");
        }

        svg.Append(c, $"<line x1=\"40\" y1=\"{Height}\" x2=\"{Width - 40}\" y2=\"{Height}\" stroke=\"#57606a\"/>");
        svg.Append(c, $"<text x=\"40\" y=\"{Height + 18}\">{min:0.####} {Html.Escape(unit)}</text>");
        svg.Append(c, $"<text x=\"{Width - 40}\" y=\"{Height + 18}\" text-anchor=\"end\">{max:0.####} {Html.Escape(unit)}</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void Axis(StringBuilder svg, int y)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (double tick in new[] { 0, 0.25, 0.5, 0.75, 1.0 })
        {
            double x = LabelWidth + tick * PlotWidth;
            svg.Append(c, $"<line x1=\"{x:0.#}\" y1=\"4\" x2=\"{x:0.#}\" y2=\"{y}\" stroke=\"#d0d7de\"/>");
            svg.Append(c, $"<text x=\"{x:0.#}\" y=\"{y + 16}\" text-anchor=\"middle\">{tick:0.##}</text>");
        }
    }

    private static void Bar(StringBuilder svg, Interval interval, double y, double height, string colour, string kind)
    {
        var c = CultureInfo.InvariantCulture;
        double x0 = LabelWidth, width = interval.Estimate * PlotWidth;
        double low = LabelWidth + interval.Lower * PlotWidth, high = LabelWidth + interval.Upper * PlotWidth, mid = y + height / 2;
        svg.Append(c, $"<rect class=\"{kind}\" x=\"{x0}\" y=\"{y:0.#}\" width=\"{width:0.#}\" height=\"{height}\" fill=\"{colour}\"><title>{kind}: {interval}</title></rect>");
        svg.Append(c, $"<line class=\"whisker\" x1=\"{low:0.#}\" y1=\"{mid:0.#}\" x2=\"{high:0.#}\" y2=\"{mid:0.#}\" stroke=\"#24292f\" stroke-width=\"1.5\"/>");
        svg.Append(c, $"<line x1=\"{low:0.#}\" y1=\"{y:0.#}\" x2=\"{low:0.#}\" y2=\"{y + height:0.#}\" stroke=\"#24292f\"/><line x1=\"{high:0.#}\" y1=\"{y:0.#}\" x2=\"{high:0.#}\" y2=\"{y + height:0.#}\" stroke=\"#24292f\"/>");
    }
}
