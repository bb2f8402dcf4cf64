using LlmKit.ChatCompletion;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;
using LlmKit.Evaluation.Runs;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Evaluation.Tests;

public sealed class FeaturesTests
{
    private sealed record Answer(string City);

    [Fact]
    public async Task A_chat_call_and_a_structured_output_call_are_features()
    {
        var model = new ScriptedChatClient { Capabilities = new ChatClientCapabilities { SupportsJsonSchemaResponseFormat = true } }
            .EnqueueText("Paris")
            .EnqueueText("""{"city":"Paris"}""")
            .Enqueue(ScriptedTurn.FromRefusal("no"));
        var chat = Features.Chat<string>(model, q => [new ChatMessage(ChatRole.User, q)]);
        var structured = Features.Structured<string, Answer>(model, q => [new ChatMessage(ChatRole.User, q)]);

        Assert.Equal("Paris", (await chat("Capital of France?", default)).Text);
        Assert.Equal(new Answer("Paris"), await structured("Capital of France?", default));
        Assert.Null(await structured("Capital of nowhere?", default));
    }

    [Fact]
    public async Task A_structured_feature_runs_under_field_matching()
    {
        var model = new ScriptedChatClient { Capabilities = new ChatClientCapabilities { SupportsJsonSchemaResponseFormat = true } }
            .RespondToEveryRequest(r => ScriptedTurn.FromText(r.LastUserText!.Contains("France", StringComparison.Ordinal) ? """{"city":"Paris"}""" : """{"city":"Lyon"}"""));
        var dataset = EvaluationDataset<string, Answer>.Create("capitals",
        [
            new EvaluationCase<string, Answer> { Id = "fr", Input = "France", Expected = new Answer("Paris") },
            new EvaluationCase<string, Answer> { Id = "de", Input = "Germany", Expected = new Answer("Berlin") },
        ]);

        var run = await EvaluationRunner.RunAsync(Features.Structured<string, Answer>(model, q => [new ChatMessage(ChatRole.User, q)]), dataset, [new FieldMatchEvaluator<Answer?>()]);

        Assert.Equal([true, false], run.Trials.Select(t => t.Passed));
        Assert.Equal(0.5, run.Metric(FieldMatchEvaluator<Answer>.F1Metric)!.Value.Estimate);
    }
}
