using LlmKit.Evaluation.Evaluators;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmKit.Evaluation.Interop;

/// <summary>
/// Runs a <c>Microsoft.Extensions.AI.Evaluation</c> <see cref="IEvaluator"/> (relevance, coherence, groundedness,
/// your own) inside an LlmKit evaluation run, so its metrics get LlmKit's repetitions, intervals and regression gates.
/// </summary>
/// <remarks>
/// Metrics convert as follows: a <see cref="NumericMetric"/> keeps its value; a <see cref="BooleanMetric"/> becomes 1
/// or 0; a <see cref="StringMetric"/> has no number (NaN) and keeps its value as the reason. A metric's
/// <see cref="EvaluationMetric.Interpretation"/> decides pass or fail when present (<c>Failed</c>); without one a
/// boolean metric passes when true and other metrics only inform.
/// </remarks>
/// <typeparam name="TOutput">The feature's output type.</typeparam>
public sealed class MicrosoftEvaluatorAdapter<TOutput> : ICaseEvaluator<object?, TOutput>
{
    private readonly IEvaluator _evaluator;
    private readonly ChatConfiguration? _chatConfiguration;
    private readonly Func<ITrialContext<object?>, IEnumerable<ChatMessage>> _conversation;
    private readonly Func<TOutput, ChatResponse> _response;
    private readonly Func<ITrialContext<object?>, IEnumerable<EvaluationContext>>? _additionalContext;

    /// <summary>Initializes a new instance of the <see cref="MicrosoftEvaluatorAdapter{TOutput}"/> class.</summary>
    /// <param name="evaluator">The evaluator to run.</param>
    /// <param name="chatConfiguration">The judge model, for evaluators that need one.</param>
    /// <param name="conversation">The messages that led to the output; the case's input as one user message when omitted.</param>
    /// <param name="response">Turns the output into a <see cref="ChatResponse"/>; required unless the output is a response or text.</param>
    /// <param name="additionalContext">Extra context per case (grounding documents, expected answers).</param>
    public MicrosoftEvaluatorAdapter(
        IEvaluator evaluator,
        ChatConfiguration? chatConfiguration = null,
        Func<ITrialContext<object?>, IEnumerable<ChatMessage>>? conversation = null,
        Func<TOutput, ChatResponse>? response = null,
        Func<ITrialContext<object?>, IEnumerable<EvaluationContext>>? additionalContext = null)
    {
        _evaluator = evaluator ?? throw new ArgumentNullException(nameof(evaluator));
        _chatConfiguration = chatConfiguration;
        _conversation = conversation ?? (context => [new ChatMessage(ChatRole.User, context.Input?.ToString() ?? string.Empty)]);
        _response = response ?? DefaultResponse;
        _additionalContext = additionalContext;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> MetricNames => _evaluator.EvaluationMetricNames.ToArray();

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<object?> context, TOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await _evaluator.EvaluateAsync(_conversation(context), _response(output), _chatConfiguration, _additionalContext?.Invoke(context), cancellationToken);
        return result.Metrics.Values.Select(Convert).ToArray();
    }

    internal static MetricScore Convert(EvaluationMetric metric)
    {
        bool? failed = metric.Interpretation?.Failed;
        string? reason = metric.Reason ?? metric.Interpretation?.Reason;
        return metric switch
        {
            NumericMetric numeric => new MetricScore(metric.Name, numeric.Value ?? double.NaN, failed is { } f ? !f : null, reason),
            BooleanMetric boolean => new MetricScore(
                metric.Name,
                boolean.Value is { } b ? (b ? 1 : 0) : double.NaN,
                failed is { } f ? !f : boolean.Value,
                reason),
            StringMetric text => new MetricScore(metric.Name, double.NaN, failed is { } f ? !f : null, text.Value is { } v ? (reason is null ? v : $"{v}: {reason}") : reason),
            _ => new MetricScore(metric.Name, double.NaN, failed is { } f ? !f : null, reason),
        };
    }

    private static ChatResponse DefaultResponse(TOutput output) => output switch
    {
        ChatResponse response => response,
        string text => new ChatResponse(new ChatMessage(ChatRole.Assistant, text)),
        _ => throw new InvalidOperationException(
            $"{typeof(TOutput).Name} is not a ChatResponse or text: pass a 'response' function to MicrosoftEvaluatorAdapter that turns it into one."),
    };
}
