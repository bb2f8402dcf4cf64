namespace LlmKit.Evaluation.Evaluators;

/// <summary>
/// Passes when the output equals the expected text, exactly or after a <see cref="TextNormalization"/> ("normalised
/// match"). The metric is 1 or 0.
/// </summary>
/// <param name="normalization">What differences do not count; <see cref="TextNormalization.None"/> for an exact match.</param>
/// <param name="metricName">The metric's name; <c>exact_match</c> or <c>normalized_match</c> by default.</param>
public sealed class ExactMatchEvaluator(TextNormalization normalization = TextNormalization.None, string? metricName = null) : ICaseEvaluator<string?, string?>
{
    private readonly string _name = metricName ?? (normalization == TextNormalization.None ? "exact_match" : "normalized_match");

    /// <inheritdoc />
    public IReadOnlyList<string> MetricNames => [_name];

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<string?> context, string? output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Expected is null)
        {
            throw new InvalidOperationException($"Case '{context.CaseId}' has no expected text for {_name}.");
        }

        string expected = TextNormalizer.Normalize(context.Expected, normalization);
        string actual = TextNormalizer.Normalize(output ?? string.Empty, normalization);
        bool equal = string.Equals(expected, actual, StringComparison.Ordinal);
        IReadOnlyList<MetricScore> scores = [MetricScore.PassFail(_name, equal, equal ? null : $"expected \"{Abbreviate(expected)}\", got \"{Abbreviate(actual)}\"")];
        return ValueTask.FromResult(scores);
    }

    internal static string Abbreviate(string text) => text.Length <= 120 ? text : string.Concat(text.AsSpan(0, 117), "...");
}
