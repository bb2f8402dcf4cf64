using ToolAgent;

namespace LlmKit.Samples.Console.Tests;

public sealed class ToolAgentSampleTests
{
    private static async Task<(int ExitCode, string Output)> RunAsync(string scenario, bool interactive = false, string typed = "", params string[] args)
    {
        using var input = new StringReader(typed);
        using var output = new StringWriter();
        int code = await SupportDeskDemo.RunAsync(["--offline", $"--scenario={scenario}", .. args], input, output, interactive);
        return (code, output.ToString());
    }

    private static int IndexOf(string output, string text)
    {
        int index = output.IndexOf(text, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{text}' not found in:\n{output}");
        return index;
    }

    [Fact]
    public async Task The_small_refund_runs_only_after_the_policy_approved_it_and_the_independent_lookups_run_in_parallel()
    {
        var (code, output) = await RunAsync("damaged");

        Assert.Equal(0, code);
        // Both calls of turn 1 started before either finished.
        int firstFinished = IndexOf(output, "<- turn 1:");
        Assert.True(IndexOf(output, "-> turn 1: lookup_order {\"orderId\":\"A-1001\"}") < firstFinished);
        Assert.True(IndexOf(output, "-> turn 1: get_refund_policy {\"category\":\"kitchen\"}") < firstFinished);

        int approved = IndexOf(output, "Approval for refund_order {\"amount\":34.90,\"orderId\":\"A-1001\"");
        Assert.Contains("Approve by policy (34.90 is at most 50.00)", output);
        Assert.True(approved < IndexOf(output, "-> turn 2: refund_order"));
        Assert.Matches(@"<- turn 2: refund_order .* Succeeded in \d+ ms: Refunded 34\.90 EUR on order A-1001", output);
        Assert.Contains("Stopped: FinalAnswer", output);
        Assert.Matches(@"3 turns, 3 tool calls, \d+ tokens \(\d+ in / \d+ out\), cost \$0\.000\d+", output);
        Assert.EndsWith("Refunds issued: R-001 A-1001 34.90 EUR", output.TrimEnd());
    }

    [Fact]
    public async Task A_refund_above_the_policy_limit_is_denied_the_loop_stops_and_no_money_moves()
    {
        var (_, output) = await RunAsync("large");

        Assert.Contains("Deny by policy (649.00 is above 500.00)", output);
        Assert.Contains("refund_order {\"amount\":649.00,\"orderId\":\"A-1002\",\"reason\":\"Changed their mind; laptop unopened.\"} Denied in 0 ms", output);
        Assert.Contains("Stopped: ApprovalDenied - The call of 'refund_order' (call_2_1) was denied.", output);
        Assert.DoesNotContain("Assistant:", output);
        Assert.EndsWith("Refunds issued: none", output.TrimEnd());
    }

    [Theory]
    [InlineData("y", "Stopped: FinalAnswer", "Refunds issued: R-001 A-1001 34.90 EUR")]
    [InlineData("n", "Stopped: ApprovalDenied", "Refunds issued: none")]
    [InlineData("", "Stopped: ApprovalDenied", "Refunds issued: none")] // end of input is never a yes
    public async Task At_a_console_the_person_decides(string typed, string stop, string refunds)
    {
        var (_, output) = await RunAsync("damaged", interactive: true, typed: typed + "\n");

        Assert.Contains("? Approve refund_order {\"amount\":34.90,\"orderId\":\"A-1001\"", output);
        Assert.DoesNotContain("by policy", output);
        Assert.Contains(stop, output);
        Assert.EndsWith(refunds, output.TrimEnd());
    }

    [Fact]
    public async Task A_suspended_refund_resumes_from_its_serialized_continuation_and_runs_exactly_once()
    {
        var (_, output) = await RunAsync("escalate");

        int suspended = IndexOf(output, "Stopped: AwaitingApproval - Waiting for approval of 'refund_order' (call_2_1).");
        Assert.Matches(@"Suspended: continuation saved \(\d+ bytes, 2 turns so far\)", output);
        int resumed = IndexOf(output, "Resuming from the saved continuation...");
        int refunded = IndexOf(output, "Refunded 120.00 EUR on order A-1003");
        Assert.True(suspended < resumed && resumed < refunded, "The refund ran before the loop was resumed.");
        Assert.DoesNotContain("-> turn 2: refund_order", output[..resumed]);
        Assert.Contains("Stopped: FinalAnswer", output[resumed..]);
        // The resumed run carries the counters of the first: 3 turns and 3 calls in all, not 1 and 1.
        Assert.Matches(@"3 turns, 3 tool calls, \d+ tokens", output[resumed..]);
        Assert.EndsWith("Refunds issued: R-001 A-1003 120.00 EUR", output.TrimEnd());
    }

    [Fact]
    public async Task Deciding_later_at_the_console_suspends_and_a_supervisor_denial_on_resume_stops_the_loop()
    {
        var (_, output) = await RunAsync("escalate", interactive: true, typed: "l\nn\n");

        Assert.Contains("Stopped: AwaitingApproval", output);
        Assert.Contains("? Supervisor: approve refund_order", output);
        Assert.Contains("Stopped: ApprovalDenied", output);
        Assert.EndsWith("Refunds issued: none", output.TrimEnd());
    }

    [Theory]
    [InlineData(new string[0], "Stopped: IterationLimit - The model still asked for tools after 6 turns, the most allowed.")]
    [InlineData(new[] { "--LlmKit:ToolLoop:MaxIterations=3" }, "Stopped: IterationLimit - The model still asked for tools after 3 turns, the most allowed.")]
    [InlineData(new[] { "--LlmKit:ToolLoop:MaxTotalTokens=2500" }, "Stopped: TokenLimit - The loop used ")]
    [InlineData(new[] { "--LlmKit:ToolLoop:MaxCost=0.0003" }, "Stopped: CostLimit - The loop cost $")]
    public async Task A_runaway_agent_is_stopped_by_the_configured_limit_with_the_matching_stop_reason(string[] limits, string expected)
    {
        var (_, output) = await RunAsync("runaway", args: limits);

        Assert.Contains(expected, output);
        Assert.Contains("Skipped in 0 ms: Not executed", output); // the call asked for at the limit never ran
        Assert.DoesNotContain("Assistant:", output);
    }

    [Fact]
    public async Task A_failing_tool_is_reported_to_the_model_without_its_exception_details_and_the_model_apologises()
    {
        var (_, output) = await RunAsync("archive");

        string step = output.Split('\n').Single(l => l.Contains("<- turn 1: lookup_order", StringComparison.Ordinal));
        Assert.Contains("Failed in", step);
        Assert.Contains("Error: the tool 'lookup_order' failed. The details were logged for the developers", step);
        Assert.DoesNotContain("archive-db-02", step);
        Assert.Contains("Assistant: I'm sorry: I couldn't complete that", output);
        Assert.Contains("Stopped: FinalAnswer", output);
    }

    [Fact]
    public async Task An_unknown_scenario_is_a_usage_error()
    {
        var (code, output) = await RunAsync("nope");

        Assert.Equal(2, code);
        Assert.Contains("Scenarios: damaged, archive, large, escalate, runaway.", output);
    }
}
