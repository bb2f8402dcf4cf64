using System.Globalization;
using System.Text.Json;

namespace LlmKit.Evaluation.Evaluators;

/// <summary>Counts of one field (or of all fields) in a comparison.</summary>
/// <param name="TruePositives">Values extracted and right.</param>
/// <param name="FalsePositives">Values extracted that are wrong or should not be there.</param>
/// <param name="FalseNegatives">Expected values missed or wrong.</param>
public readonly record struct FieldCounts(int TruePositives, int FalsePositives, int FalseNegatives)
{
    /// <summary>Gets TP / (TP + FP); 1 when nothing was extracted and nothing was expected.</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? (FalseNegatives == 0 ? 1 : 0) : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>Gets TP / (TP + FN); 1 when nothing was expected and nothing extracted.</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? (FalsePositives == 0 ? 1 : 0) : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>Gets the harmonic mean of precision and recall.</summary>
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    /// <summary>Adds two counts.</summary>
    /// <param name="left">The first.</param>
    /// <param name="right">The second.</param>
    /// <returns>The sum.</returns>
    public static FieldCounts operator +(FieldCounts left, FieldCounts right) =>
        new(left.TruePositives + right.TruePositives, left.FalsePositives + right.FalsePositives, left.FalseNegatives + right.FalseNegatives);
}

/// <summary>The field-by-field comparison of an extracted object with the expected one.</summary>
/// <param name="Total">The counts over every field.</param>
/// <param name="ByField">The counts per field path (array items share a path: <c>lines[].amount</c>).</param>
/// <param name="Differences">The fields that differ, as "path: expected …, got …".</param>
public sealed record FieldComparison(FieldCounts Total, IReadOnlyDictionary<string, FieldCounts> ByField, IReadOnlyList<string> Differences);

/// <summary>
/// Compares two JSON values field by field, the way structured extraction is scored: every leaf value is a field;
/// numbers compare by value, dates as dates and strings after normalisation; array items are paired with their best
/// match, so one missing line item costs that item, not every item after it.
/// </summary>
public static class FieldComparer
{
    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "d MMMM yyyy", "d MMM yyyy",
        "MMMM d, yyyy", "MMM d, yyyy", "MMMM d yyyy", "d. MMMM yyyy", "yyyy/MM/dd",
    ];

    /// <summary>Compares <paramref name="actual"/> with <paramref name="expected"/>.</summary>
    /// <param name="expected">The expected value.</param>
    /// <param name="actual">The extracted value.</param>
    /// <param name="options">How values compare; defaults when omitted.</param>
    /// <returns>The comparison.</returns>
    public static FieldComparison Compare(JsonElement expected, JsonElement actual, FieldMatchOptions? options = null)
    {
        options ??= new FieldMatchOptions();
        var state = new State(options);
        Visit(expected, actual, string.Empty, state);
        return new FieldComparison(state.Total, state.ByField, state.Differences);
    }

    private static void Visit(JsonElement? expected, JsonElement? actual, string path, State state)
    {
        if (state.Options.IgnoredFields.Contains(path))
        {
            return;
        }

        var e = Present(expected);
        var a = Present(actual);
        if (e is { ValueKind: JsonValueKind.Object } || a is { ValueKind: JsonValueKind.Object })
        {
            var names = new List<string>();
            foreach (var source in new[] { e, a })
            {
                if (source is { ValueKind: JsonValueKind.Object } obj)
                {
                    names.AddRange(obj.EnumerateObject().Select(p => p.Name).Where(n => !names.Contains(n, StringComparer.Ordinal)));
                }
            }

            foreach (string name in names)
            {
                Visit(Child(e, name), Child(a, name), path.Length == 0 ? name : $"{path}.{name}", state);
            }

            return;
        }

        if (e is { ValueKind: JsonValueKind.Array } || a is { ValueKind: JsonValueKind.Array })
        {
            VisitArray(Items(e), Items(a), path + "[]", state);
            return;
        }

        Leaf(e, a, path.Length == 0 ? "$" : path, state);
    }

    private static void VisitArray(List<JsonElement> expected, List<JsonElement> actual, string path, State state)
    {
        // Pair each expected item with the actual item it shares the most right fields with (greedy, best pair
        // first), so a dropped or reordered item costs only itself.
        var pairs = new List<(int E, int A, int Score)>();
        for (int i = 0; i < expected.Count; i++)
        {
            for (int j = 0; j < actual.Count; j++)
            {
                var probe = new State(state.Options);
                Visit(expected[i], actual[j], path, probe);
                pairs.Add((i, j, probe.Total.TruePositives));
            }
        }

        var usedE = new bool[expected.Count];
        var usedA = new bool[actual.Count];
        foreach (var (i, j, _) in pairs.OrderByDescending(p => p.Score).ThenBy(p => Math.Abs(p.E - p.A)).ThenBy(p => p.E))
        {
            if (!usedE[i] && !usedA[j])
            {
                usedE[i] = usedA[j] = true;
                Visit(expected[i], actual[j], path, state);
            }
        }

        for (int i = 0; i < expected.Count; i++)
        {
            if (!usedE[i])
            {
                Visit(expected[i], null, path, state);
            }
        }

        for (int j = 0; j < actual.Count; j++)
        {
            if (!usedA[j])
            {
                Visit(null, actual[j], path, state);
            }
        }
    }

    private static void Leaf(JsonElement? expected, JsonElement? actual, string path, State state)
    {
        var counts = (expected, actual) switch
        {
            (null, null) => default,
            (not null, null) => new FieldCounts(0, 0, 1),
            (null, not null) => new FieldCounts(0, 1, 0),
            _ => Same(expected.Value, actual.Value, state.Options) ? new FieldCounts(1, 0, 0) : new FieldCounts(0, 1, 1),
        };
        if (counts == default)
        {
            return;
        }

        state.Total += counts;
        state.ByField[path] = state.ByField.GetValueOrDefault(path) + counts;
        if (counts.TruePositives == 0)
        {
            state.Differences.Add($"{path}: expected {Show(expected)}, got {Show(actual)}");
        }
    }

    private static bool Same(JsonElement expected, JsonElement actual, FieldMatchOptions options)
    {
        if (AsNumber(expected) is { } x && AsNumber(actual) is { } y)
        {
            return Math.Abs((double)(x - y)) <= options.NumberTolerance;
        }

        if (options.CompareDates && AsDate(expected) is { } d1 && AsDate(actual) is { } d2)
        {
            return d1 == d2;
        }

        if (expected.ValueKind is JsonValueKind.True or JsonValueKind.False || actual.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return expected.ValueKind == actual.ValueKind;
        }

        return string.Equals(
            TextNormalizer.Normalize(Text(expected), options.StringNormalization),
            TextNormalizer.Normalize(Text(actual), options.StringNormalization),
            StringComparison.Ordinal);
    }

    private static decimal? AsNumber(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetDecimal(out decimal d) ? d : (decimal)Math.Clamp(value.GetDouble(), (double)decimal.MinValue, (double)decimal.MaxValue),
        JsonValueKind.String when decimal.TryParse(value.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out decimal d) => d,
        _ => null,
    };

    private static DateOnly? AsDate(JsonElement value) =>
        value.ValueKind == JsonValueKind.String &&
        DateTime.TryParseExact(value.GetString()!.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var date)
            ? DateOnly.FromDateTime(date)
            : null;

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static string Show(JsonElement? value) => value is { } v ? ExactMatchEvaluator.Abbreviate(v.GetRawText()) : "nothing";

    private static JsonElement? Present(JsonElement? value) =>
        value is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } v ? v : null;

    private static JsonElement? Child(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var child) ? child : null;

    private static List<JsonElement> Items(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().ToList() : value is { } single ? [single] : [];

    private sealed class State(FieldMatchOptions options)
    {
        public FieldMatchOptions Options { get; } = options;

        public FieldCounts Total { get; set; }

        public Dictionary<string, FieldCounts> ByField { get; } = new(StringComparer.Ordinal);

        public List<string> Differences { get; } = [];
    }
}
