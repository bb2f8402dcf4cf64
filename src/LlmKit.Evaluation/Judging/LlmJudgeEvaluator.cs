using System.Globalization;
using System.Text.Json;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.AI;

namespace LlmKit.Evaluation.Judging;

/// <summary>
/// An LLM judge: asks a model to score the output against the case's rubric through <c>GetObjectAsync</c>, so the
/// score is a validated integer from 1 to 5 with reasons, never a number scraped from prose. A judge that refuses or
/// stays invalid after its retries yields a missing value (NaN, left out of statistics) with the failure as reason,
/// never an invented score.
/// </summary>
/// <typeparam name="TOutput">The feature's output type; rendered as text (strings as they are, other values as JSON).</typeparam>
/// <remarks>
/// Judges disagree with people more than one expects; when the dataset has human judgements,
/// <see cref="JudgeAgreement"/> says how far this judge can be trusted. The judge's own model calls go through
/// whatever pipeline <paramref name="judge"/> is, so their cost counts towards an evaluation's cost cap.
/// </remarks>
/// <param name="judge">The judge model (any <see cref="IChatClient"/>; an LlmKit pipeline validates and retries).</param>
/// <param name="options">The judge's settings.</param>
/// <param name="render">Renders the output for the judge; strings as they are and anything else as JSON when omitted.</param>
public sealed class LlmJudgeEvaluator<TOutput>(IChatClient judge, LlmJudgeOptions? options = null, Func<TOutput, string>? render = null)
    : ICaseEvaluator<object?, TOutput>
{
    private readonly IChatClient _judge = judge ?? throw new ArgumentNullException(nameof(judge));
    private readonly LlmJudgeOptions _options = Validate(options ?? new LlmJudgeOptions());

    /// <inheritdoc />
    public IReadOnlyList<string> MetricNames => [_options.MetricName];

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<object?> context, TOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string rubric = context.Rubric ?? _options.DefaultRubric
            ?? throw new InvalidOperationException($"Case '{context.CaseId}' has no rubric and LlmJudgeOptions.DefaultRubric is not set.");
        string answer = render is not null ? render(output) : output as string ?? JsonSerializer.Serialize(output, DatasetJson.DefaultOptions);
        string input = context.Input as string ?? JsonSerializer.Serialize(context.Input, DatasetJson.DefaultOptions);
        List<ChatMessage> messages =
        [
            new(ChatRole.System, _options.Instructions),
            new(ChatRole.User, $"""
                <rubric>
                {rubric}
                </rubric>

                <input>
                {input}
                </input>

                <answer>
                {answer}
                </answer>
                """),
        ];

        var result = await _judge.GetObjectAsync<JudgeVerdict>(messages, cancellationToken: cancellationToken);
        MetricScore score = result.TryGetValue(out var verdict)
            ? new MetricScore(
                _options.MetricName,
                (verdict.Score - 1) / 4.0,
                verdict.Score >= _options.PassingScore,
                string.Create(CultureInfo.InvariantCulture, $"{verdict.Score}/5: {verdict.Reasons}"))
            : new MetricScore(_options.MetricName, double.NaN, null, $"the judge gave no valid verdict: {result.Failure}");
        return [score];
    }

    private static LlmJudgeOptions Validate(LlmJudgeOptions options)
    {
        if (options.PassingScore is < 1 or > 5)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PassingScore, "LlmJudgeOptions.PassingScore must be between 1 and 5.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.MetricName, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Instructions, nameof(options));
        return options;
    }
}
