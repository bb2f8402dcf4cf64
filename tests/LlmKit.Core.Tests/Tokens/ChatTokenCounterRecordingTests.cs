using LlmKit.Tokens;
using Xunit.Abstractions;

namespace LlmKit.Tests.Tokens;

public class ChatTokenCounterRecordingTests(ITestOutputHelper output)
{
    [Fact]
    public void Counts_match_OpenAI_billed_prompt_tokens_on_recorded_requests()
    {
        var counter = new ChatTokenCounter();
        var cases = RecordedOpenAIRequests.Load();
        Assert.True(cases.Count >= 30, $"Expected the OpenAI recordings to give at least 30 requests with usage, got {cases.Count}.");

        var lines = new List<string> { "recording | model | billed | counted | error" };
        int exact = 0;
        double absoluteError = 0;
        foreach (var c in cases)
        {
            int counted = counter.CountInputTokens(c.Messages, c.Options);
            int error = counted - c.PromptTokens;
            exact += error == 0 ? 1 : 0;
            absoluteError += Math.Abs(error) / (double)c.PromptTokens;
            lines.Add($"{c.Name} | {c.Model} | {c.PromptTokens} | {counted} | {error:+0;-0;0}");
        }

        lines.Add($"exact: {exact}/{cases.Count}, mean absolute relative error {absoluteError / cases.Count:P1}");
        output.WriteLine(string.Join("\n", lines));
        File.WriteAllLines(Path.Combine(Path.GetTempPath(), "llmkit-chat-token-errors.txt"), lines);
    }
}
