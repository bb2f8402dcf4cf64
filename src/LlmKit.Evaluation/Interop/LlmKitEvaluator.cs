using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmKit.Evaluation.Interop;

/// <summary>
/// An LlmKit evaluator as a <c>Microsoft.Extensions.AI.Evaluation</c> <see cref="IEvaluator"/>, for teams whose
/// tests or reporting already run on that library. The expected answer comes from an
/// <see cref="ExpectedOutputContext{TExpected}"/> in the additional context; each LlmKit score becomes a
/// <see cref="NumericMetric"/> whose interpretation says whether it failed.
/// </summary>
/// <typeparam name="TExpected">The expected answer's type.</typeparam>
/// <typeparam name="TOutput">What the LlmKit evaluator scores; read from the response by <c>readOutput</c>.</typeparam>
/// <param name="inner">The LlmKit evaluator.</param>
/// <param name="readOutput">Turns the model's response into the evaluator's output type (for text: <c>r => r.Text</c>).</param>
public sealed class LlmKitEvaluator<TExpected, TOutput>(ICaseEvaluator<TExpected, TOutput> inner, Func<ChatResponse, TOutput> readOutput) : IEvaluator
{
    private readonly ICaseEvaluator<TExpected, TOutput> _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly Func<ChatResponse, TOutput> _readOutput = readOutput ?? throw new ArgumentNullException(nameof(readOutput));

    /// <inheritdoc />
    public IReadOnlyCollection<string> EvaluationMetricNames => _inner.MetricNames.ToArray();

    /// <inheritdoc />
    public async ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(modelResponse);
        var expected = additionalContext?.OfType<ExpectedOutputContext<TExpected>>().FirstOrDefault();
        string input = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var evaluationCase = new EvaluationCase<string, TExpected> { Id = "meai", Input = input, Expected = expected is null ? default : expected.Expected, Rubric = expected?.Rubric };
        var scores = await _inner.EvaluateAsync(new TrialContext<string, TExpected>(evaluationCase, 0), _readOutput(modelResponse), cancellationToken);
        return new EvaluationResult(scores.Select(ToMetric));
    }

    private static EvaluationMetric ToMetric(MetricScore score)
    {
        var metric = new NumericMetric(score.Name, double.IsFinite(score.Value) ? score.Value : null, score.Reason);
        if (score.Passed is { } passed)
        {
            metric.Interpretation = new EvaluationMetricInterpretation(passed ? EvaluationRating.Good : EvaluationRating.Unacceptable, failed: !passed, score.Reason);
        }

        return metric;
    }
}

/// <summary>Turns LlmKit evaluators into <c>Microsoft.Extensions.AI.Evaluation</c> evaluators.</summary>
public static class CaseEvaluatorExtensions
{
    /// <summary>Wraps an evaluator of text output as an <see cref="IEvaluator"/> that scores the response's text.</summary>
    /// <typeparam name="TExpected">The expected answer's type.</typeparam>
    /// <param name="evaluator">The evaluator.</param>
    /// <returns>The adapter.</returns>
    public static IEvaluator AsMicrosoftEvaluator<TExpected>(this ICaseEvaluator<TExpected, string?> evaluator) =>
        new LlmKitEvaluator<TExpected, string?>(evaluator, response => response.Text);

    /// <summary>Wraps an evaluator as an <see cref="IEvaluator"/>, reading its output from the response with <paramref name="readOutput"/>.</summary>
    /// <typeparam name="TExpected">The expected answer's type.</typeparam>
    /// <typeparam name="TOutput">The evaluator's output type.</typeparam>
    /// <param name="evaluator">The evaluator.</param>
    /// <param name="readOutput">Reads the output from the response.</param>
    /// <returns>The adapter.</returns>
    public static IEvaluator AsMicrosoftEvaluator<TExpected, TOutput>(this ICaseEvaluator<TExpected, TOutput> evaluator, Func<ChatResponse, TOutput> readOutput) =>
        new LlmKitEvaluator<TExpected, TOutput>(evaluator, readOutput);
}
