using System.Globalization;
using System.Text.Json;
using LlmKit.Guardrails.Injection;

namespace LlmKit.Benchmarks.Guardrails.Corpus;

/// <summary>Detection and false-positive rates of injection screening on labelled snippets (<c>{"text","malicious","category"}</c> per line).</summary>
public static class InjectionEvaluation
{
    public static string Run(string path, double minConfidence)
    {
        var screen = new InjectionScreen(new InjectionScreeningOptions { MinConfidence = minConfidence });
        var rows = File.ReadLines(path).Where(l => l.Length > 0).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            string text = root.GetProperty("text").GetString()!;
            return (Malicious: root.GetProperty("malicious").GetBoolean(), Category: root.GetProperty("category").GetString()!, Text: text, Detected: screen.Find(text).Count > 0);
        }).ToList();

        var output = new System.Text.StringBuilder();
        output.AppendLine(CultureInfo.InvariantCulture, $"MinConfidence {minConfidence}: | category | snippets | flagged |");
        foreach (var group in rows.GroupBy(r => (r.Malicious, r.Category)).OrderBy(g => g.Key.Malicious).ThenBy(g => g.Key.Category, StringComparer.Ordinal))
        {
            output.AppendLine(CultureInfo.InvariantCulture, $"| {(group.Key.Malicious ? "malicious" : "benign")}: {group.Key.Category} | {group.Count()} | {group.Count(r => r.Detected)} |");
        }

        var malicious = rows.Where(r => r.Malicious).ToList();
        var benign = rows.Where(r => !r.Malicious).ToList();
        output.AppendLine(CultureInfo.InvariantCulture, $"detection rate {malicious.Count(r => r.Detected)}/{malicious.Count} = {(double)malicious.Count(r => r.Detected) / malicious.Count:0.000}; false-positive rate {benign.Count(r => r.Detected)}/{benign.Count} = {(double)benign.Count(r => r.Detected) / benign.Count:0.000}");
        foreach (var missed in malicious.Where(r => !r.Detected))
        {
            output.AppendLine("  missed: " + missed.Text.Replace("\n", "\\n", StringComparison.Ordinal));
        }

        foreach (var flagged in benign.Where(r => r.Detected))
        {
            output.AppendLine("  false positive: " + flagged.Text.Replace("\n", "\\n", StringComparison.Ordinal));
        }

        return output.ToString();
    }
}
