using System.Text.Json;
using LlmKit.Evaluation.Datasets;

namespace LlmKit.Evaluation.Evaluators;

/// <summary>
/// Field-level precision, recall and F1 of a structured extraction against the expected object, overall and per
/// field (<c>field_f1:lines[].amount</c>), with numbers, dates and strings normalised (<see cref="FieldMatchOptions"/>).
/// A trial passes when its overall F1 reaches <see cref="FieldMatchOptions.PassThreshold"/>.
/// </summary>
/// <typeparam name="T">The extracted type; expected and output are both of it.</typeparam>
public sealed class FieldMatchEvaluator<T> : ICaseEvaluator<T, T>
{
    /// <summary>The overall precision metric: <c>field_precision</c>.</summary>
    public const string PrecisionMetric = "field_precision";

    /// <summary>The overall recall metric: <c>field_recall</c>.</summary>
    public const string RecallMetric = "field_recall";

    /// <summary>The overall F1 metric: <c>field_f1</c>; per-field metrics are <c>field_f1:&lt;path&gt;</c>.</summary>
    public const string F1Metric = "field_f1";

    private readonly FieldMatchOptions _options;
    private readonly JsonSerializerOptions _serializerOptions;

    /// <summary>Initializes a new instance of the <see cref="FieldMatchEvaluator{T}"/> class.</summary>
    /// <param name="options">How values compare.</param>
    /// <param name="serializerOptions">How <typeparamref name="T"/> serializes (field names); the dataset defaults when omitted.</param>
    public FieldMatchEvaluator(FieldMatchOptions? options = null, JsonSerializerOptions? serializerOptions = null)
    {
        _options = options ?? new FieldMatchOptions();
        _serializerOptions = serializerOptions ?? DatasetJson.DefaultOptions;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MetricNames => [PrecisionMetric, RecallMetric, F1Metric];

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<T> context, T output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Expected is null)
        {
            throw new InvalidOperationException($"Case '{context.CaseId}' has no expected value for field matching.");
        }

        var comparison = FieldComparer.Compare(
            JsonSerializer.SerializeToElement(context.Expected, _serializerOptions),
            JsonSerializer.SerializeToElement(output, _serializerOptions),
            _options);
        var total = comparison.Total;
        string? reason = comparison.Differences.Count == 0 ? null : string.Join("; ", comparison.Differences.Take(6)) +
            (comparison.Differences.Count > 6 ? $"; and {comparison.Differences.Count - 6} more" : string.Empty);
        var scores = new List<MetricScore>(3 + comparison.ByField.Count)
        {
            new(PrecisionMetric, total.Precision),
            new(RecallMetric, total.Recall),
            new(F1Metric, total.F1, total.F1 >= _options.PassThreshold - 1e-12, reason),
        };
        scores.AddRange(comparison.ByField.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new MetricScore($"{F1Metric}:{f.Key}", f.Value.F1)));
        return ValueTask.FromResult<IReadOnlyList<MetricScore>>(scores);
    }
}
