using System.Text.Json;
using LlmKit.Schema;

namespace LlmKit.Evaluation.Evaluators;

/// <summary>
/// Passes when the output is JSON that satisfies a JSON Schema (draft 2020-12, LlmKit's validator). The reason lists
/// the errors with their JSON pointers. It ignores the expected answer, so it serves any dataset.
/// </summary>
public sealed class JsonSchemaEvaluator : ICaseEvaluator<object?, string?>
{
    private readonly JsonSchemaValidator _validator;
    private readonly string _name;

    /// <summary>Initializes a new instance of the <see cref="JsonSchemaEvaluator"/> class.</summary>
    /// <param name="validator">The compiled schema.</param>
    /// <param name="metricName">The metric's name; <c>schema_valid</c> by default.</param>
    public JsonSchemaEvaluator(JsonSchemaValidator validator, string metricName = "schema_valid")
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentException.ThrowIfNullOrWhiteSpace(metricName);
        _validator = validator;
        _name = metricName;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MetricNames => [_name];

    /// <summary>An evaluator for the schema LlmKit derives from <typeparamref name="T"/> (the one structured output sends).</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <returns>The evaluator.</returns>
    public static JsonSchemaEvaluator For<T>() => new(TypeSchema.For<T>().Validator);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<object?> context, string? output, CancellationToken cancellationToken)
    {
        MetricScore score;
        try
        {
            using var document = JsonDocument.Parse(output ?? string.Empty);
            var result = _validator.Validate(document.RootElement);
            score = MetricScore.PassFail(_name, result.IsValid, result.IsValid ? null : string.Join("; ", result.Errors.Take(5)));
        }
        catch (JsonException ex)
        {
            score = MetricScore.PassFail(_name, false, $"not JSON: {ex.Message}");
        }

        return ValueTask.FromResult<IReadOnlyList<MetricScore>>([score]);
    }
}
