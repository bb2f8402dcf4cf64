using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmKit.Guardrails.Pii;

namespace LlmKit.Benchmarks.Guardrails.Corpus;

/// <summary>
/// Precision and recall per entity type. A prediction is a true positive when it overlaps a labelled entity of the same
/// type that no earlier prediction matched; boundaries may differ (one tool includes the parentheses of a phone
/// number, another does not), the type may not.
/// </summary>
public static class PiiEvaluation
{
    public static readonly string[] Types = ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "URL", "SECRET"];

    public static List<List<LabelledSpan>> PredictWithLlmKit(List<LabelledText> corpus, PiiRedactor redactor) =>
        corpus.Select(t => redactor.Find(t.Text).Select(m => new LabelledSpan(m.Entity.Name, m.Start, m.End)).ToList()).ToList();

    /// <summary>Reads predictions written by another tool: one JSON line per text, <c>{"entities":[{"type","start","end"}]}</c>.</summary>
    public static List<List<LabelledSpan>> ReadPredictions(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.GetProperty("entities").EnumerateArray()
                .Select(e => new LabelledSpan(e.GetProperty("type").GetString()!, e.GetProperty("start").GetInt32(), e.GetProperty("end").GetInt32()))
                .ToList();
        }).ToList();

    public static Dictionary<string, (int Tp, int Fp, int Fn)> Score(List<LabelledText> corpus, List<List<LabelledSpan>> predictions)
    {
        if (predictions.Count != corpus.Count)
        {
            throw new InvalidOperationException($"{predictions.Count} prediction lines for {corpus.Count} texts.");
        }

        var counts = Types.ToDictionary(t => t, _ => (Tp: 0, Fp: 0, Fn: 0));
        for (int i = 0; i < corpus.Count; i++)
        {
            var gold = corpus[i].Entities;
            var matched = new bool[gold.Count];
            foreach (var predicted in predictions[i].Where(p => counts.ContainsKey(p.Type)))
            {
                int hit = gold.FindIndex(g => g.Type == predicted.Type && g.Start < predicted.End && predicted.Start < g.End);
                while (hit >= 0 && matched[hit])
                {
                    int next = gold.FindIndex(hit + 1, g => g.Type == predicted.Type && g.Start < predicted.End && predicted.Start < g.End);
                    hit = next;
                }

                var c = counts[predicted.Type];
                counts[predicted.Type] = hit >= 0 ? (c.Tp + 1, c.Fp, c.Fn) : (c.Tp, c.Fp + 1, c.Fn);
                if (hit >= 0)
                {
                    matched[hit] = true;
                }
            }

            for (int g = 0; g < gold.Count; g++)
            {
                if (!matched[g] && counts.TryGetValue(gold[g].Type, out var c))
                {
                    counts[gold[g].Type] = (c.Tp, c.Fp, c.Fn + 1);
                }
            }
        }

        return counts;
    }

    public static string Table(List<LabelledText> corpus, IReadOnlyList<(string Name, List<List<LabelledSpan>> Predictions)> systems)
    {
        var scores = systems.Select(s => (s.Name, Counts: Score(corpus, s.Predictions))).ToList();
        var text = new StringBuilder();
        text.Append("| entity | labelled |");
        foreach (var (name, _) in scores)
        {
            text.Append(CultureInfo.InvariantCulture, $" {name} precision | {name} recall |");
        }

        text.AppendLine();
        text.Append("| --- | --- |").AppendLine(string.Concat(scores.Select(_ => " --- | --- |")));
        foreach (string type in Types)
        {
            int labelled = corpus.Sum(t => t.Entities.Count(e => e.Type == type));
            text.Append(CultureInfo.InvariantCulture, $"| {type} | {labelled} |");
            foreach (var (_, counts) in scores)
            {
                var (tp, fp, fn) = counts[type];
                string precision = tp + fp == 0 ? "n/a" : ((double)tp / (tp + fp)).ToString("0.000", CultureInfo.InvariantCulture);
                string recall = tp + fn == 0 ? "n/a" : ((double)tp / (tp + fn)).ToString("0.000", CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture, $" {precision} ({fp} FP) | {recall} ({fn} FN) |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}
