using LlmKit.ChatCompletion;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using LlmKit.Evaluation.Interop;
using LlmKit.Evaluation.Judging;
using LlmKit.Evaluation.Runs;
using LlmKit.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace LlmKit.Evaluation.Tests;

public sealed class JudgeAndInteropTests
{
    // A judge model that honours JSON-schema response formats, so its verdict arrives as text.
    private static readonly ChatClientCapabilities JsonSchemaOutput = new() { SupportsJsonSchemaResponseFormat = true };

    [Fact]
    public async Task The_judge_scores_against_the_cases_rubric_through_validated_structured_output()
    {
        var judge = new ScriptedChatClient { Capabilities = JsonSchemaOutput }
            .EnqueueText("""{"reasons":"Names Paris, the capital.","score":7}""")  // out of range: fed back and fixed
            .EnqueueText("""{"reasons":"Names Paris, the capital.","score":5}""");
        var evaluation = new EvaluationCase<string, object?> { Id = "q1", Input = "Capital of France?", Rubric = "Names the capital city." };

        var score = Assert.Single(await new LlmJudgeEvaluator<string>(judge).EvaluateAsync(new TrialContext<string, object?>(evaluation, 0), "Paris", default));

        Assert.Equal(("judge", 1.0, true), (score.Name, score.Value, score.Passed));
        Assert.StartsWith("5/5: Names Paris", score.Reason, StringComparison.Ordinal);
        Assert.Contains("Names the capital city.", judge.Requests[0].LastUserText, StringComparison.Ordinal);
        Assert.Contains("<answer>\nParis\n</answer>", judge.Requests[0].LastUserText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_judge_that_gives_no_valid_verdict_yields_a_missing_value_not_an_invented_score()
    {
        var judge = new ScriptedChatClient { Capabilities = JsonSchemaOutput }.Enqueue(ScriptedTurn.FromRefusal("I won't grade this."));
        var evaluation = new EvaluationCase<string, object?> { Id = "q1", Input = "x", Rubric = "r" };

        var score = Assert.Single(await new LlmJudgeEvaluator<string>(judge).EvaluateAsync(new TrialContext<string, object?>(evaluation, 0), "y", default));

        Assert.True(double.IsNaN(score.Value));
        Assert.Null(score.Passed);
        Assert.Contains("no valid verdict", score.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_agreement_with_human_labels_reports_raw_agreement_and_kappa()
    {
        // People pass c1 and c2 and fail c3 and c4; the judge agrees except on c3, which it passes.
        var cases = new[] { ("c1", true, true), ("c2", true, true), ("c3", false, true), ("c4", false, false) };
        var run = new EvaluationRunResult
        {
            Name = "judged", DatasetName = "d", DatasetHash = "h", Repetitions = 1,
            Cases = cases.Select(c => new CaseInfo(c.Item1, [], "x", new HumanJudgement(c.Item2))).ToArray(),
            Trials = cases.Select(c => new TrialResult { CaseId = c.Item1, Repetition = 0, Passed = c.Item3, Scores = [MetricScore.PassFail("judge", c.Item3)] }).ToArray(),
        };

        var agreement = JudgeAgreement.Measure(run)!;

        Assert.Equal(4, agreement.Trials);
        Assert.Equal(0.75, agreement.Agreement!.Interval.Estimate);
        Assert.Equal(0.5, agreement.Kappa, 10); // observed 0.75, chance 0.5
    }

    [Fact]
    public async Task A_Microsoft_evaluator_runs_inside_an_LlmKit_run()
    {
        var dataset = EvaluationDataset<string, object?>.Create("d", [new EvaluationCase<string, object?> { Id = "a", Input = "hi" }, new EvaluationCase<string, object?> { Id = "b", Input = "hello" }]);
        var adapter = new MicrosoftEvaluatorAdapter<string>(new LengthEvaluator());

        var run = await EvaluationRunner.RunAsync<string, object?, string>((input, _) => Task.FromResult(input.ToUpperInvariant()), dataset, [adapter]);

        Assert.Equal([2.0, 5.0], run.Trials.Select(t => t.ValueOf("length")!.Value));
        Assert.Equal([false, true], run.Trials.Select(t => t.Passed));
        Assert.Equal("too short", run.Trials[0].Scores.Single(s => s.Name == "length").Reason);
    }

    [Fact]
    public async Task An_LlmKit_evaluator_is_a_Microsoft_IEvaluator_reading_the_expected_answer_from_the_context()
    {
        IEvaluator evaluator = new ExactMatchEvaluator(TextNormalization.All).AsMicrosoftEvaluator();

        var result = await evaluator.EvaluateAsync(
            [new ChatMessage(ChatRole.User, "Capital of France?")],
            new ChatResponse(new ChatMessage(ChatRole.Assistant, "paris.")),
            additionalContext: [new ExpectedOutputContext<string?>("Paris")]);

        var metric = result.Get<NumericMetric>("normalized_match");
        Assert.Equal(1.0, metric.Value);
        Assert.False(metric.Interpretation!.Failed);
        Assert.Equal(["normalized_match"], evaluator.EvaluationMetricNames);
    }

    private sealed class LengthEvaluator : IEvaluator
    {
        public IReadOnlyCollection<string> EvaluationMetricNames => ["length"];

        public ValueTask<EvaluationResult> EvaluateAsync(
            IEnumerable<ChatMessage> messages, ChatResponse modelResponse, ChatConfiguration? chatConfiguration = null,
            IEnumerable<EvaluationContext>? additionalContext = null, CancellationToken cancellationToken = default)
        {
            int length = modelResponse.Text.Length;
            var metric = new NumericMetric("length", length, length < 3 ? "too short" : null)
            {
                Interpretation = new EvaluationMetricInterpretation(length < 3 ? EvaluationRating.Poor : EvaluationRating.Good, failed: length < 3),
            };
            return ValueTask.FromResult(new EvaluationResult(metric));
        }
    }
}
