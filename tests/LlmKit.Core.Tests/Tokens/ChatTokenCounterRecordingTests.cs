using LlmKit.Tokens;
using Xunit.Abstractions;

namespace LlmKit.Tests.Tokens;

public class ChatTokenCounterRecordingTests(ITestOutputHelper output)
{
    // Plain messages are exact; tool calls and JSON-schema response formats are approximations of undocumented
    // renderings, calibrated to err high: up to 25% over (a schema-heavy request) and at most 8% under.
    [Fact]
    public void Counts_stay_close_to_the_prompt_tokens_OpenAI_billed_for_each_recorded_request()
    {
        var counter = new ChatTokenCounter();
        var cases = RecordedOpenAIRequests.Load();
        Assert.True(cases.Count >= 30, $"Expected the OpenAI recordings to give at least 30 requests with usage, got {cases.Count}.");

        var lines = new List<string> { "recording | model | billed | counted | error" };
        int exact = 0;
        double absoluteError = 0;
        var outOfBounds = new List<string>();
        foreach (var c in cases)
        {
            int counted = counter.CountInputTokens(c.Messages, c.Options);
            int error = counted - c.PromptTokens;
            exact += error == 0 ? 1 : 0;
            absoluteError += Math.Abs(error) / (double)c.PromptTokens;
            lines.Add($"{c.Name} | {c.Model} | {c.PromptTokens} | {counted} | {error:+0;-0;0}");
            double relative = error / (double)c.PromptTokens;
            if (relative is > 0.25 or < -0.08)
            {
                outOfBounds.Add(lines[^1]);
            }

            if (c.Messages.All(m => m.Contents.All(x => x is Microsoft.Extensions.AI.TextContent)) && c.Options.Tools!.Count == 0 &&
                c.Options.ResponseFormat is null)
            {
                Assert.True(error == 0, $"Plain text messages are counted exactly: {lines[^1]}");
            }
        }

        lines.Add($"exact: {exact}/{cases.Count}, mean absolute relative error {absoluteError / cases.Count:P1}");
        output.WriteLine(string.Join("\n", lines));
        Assert.Empty(outOfBounds);
        Assert.True(absoluteError / cases.Count < 0.05, $"mean absolute relative error {absoluteError / cases.Count:P1}");
    }
}
