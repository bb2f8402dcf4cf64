namespace LlmKit.Evaluation.Evaluators;

/// <summary>
/// Checks a tool-using feature's calls against the case's <see cref="ToolTrajectory"/>: the required calls with
/// arguments that satisfy their constraints, the partial order, no forbidden tool, no unexpected extra calls when
/// those are not allowed. Reports <c>trajectory_match</c> (pass/fail, with every violation as the reason),
/// <c>tool_recall</c> (required calls found) and <c>tool_precision</c> (calls that were required).
/// </summary>
public sealed class ToolTrajectoryEvaluator : ICaseEvaluator<ToolTrajectory, IReadOnlyList<ToolCallRecord>>
{
    /// <summary>The pass/fail metric: <c>trajectory_match</c>.</summary>
    public const string MatchMetric = "trajectory_match";

    /// <inheritdoc />
    public IReadOnlyList<string> MetricNames => [MatchMetric, "tool_recall", "tool_precision"];

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MetricScore>> EvaluateAsync(ITrialContext<ToolTrajectory> context, IReadOnlyList<ToolCallRecord> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(output);
        var expected = context.Expected ?? throw new InvalidOperationException($"Case '{context.CaseId}' has no expected tool trajectory.");
        var violations = new List<string>();

        // Match each required call to the earliest unused actual call that satisfies it.
        var used = new bool[output.Count];
        int found = 0;
        foreach (var required in expected.Required)
        {
            int index = Enumerable.Range(0, output.Count).FirstOrDefault(i => !used[i] && required.Matches(output[i]), -1);
            if (index < 0)
            {
                bool named = output.Any(c => c.Name == required.Name);
                violations.Add(named ? $"{required.Name} was called, but never with arguments that satisfy the constraints" : $"{required.Name} was never called");
                continue;
            }

            used[index] = true;
            found++;
        }

        foreach (var order in expected.Order)
        {
            int before = FirstIndex(output, order.Before), after = FirstIndex(output, order.After);
            if (before >= 0 && after >= 0 && before > after)
            {
                violations.Add($"{order.After} ran before {order.Before}");
            }
        }

        foreach (string tool in expected.Forbidden.Where(t => output.Any(c => c.Name == t)))
        {
            violations.Add($"{tool} must not be called");
        }

        int extra = used.Count(u => !u);
        if (!expected.AllowOtherCalls && extra > 0)
        {
            violations.Add($"{extra} call(s) beyond the required ones: {string.Join(", ", output.Where((_, i) => !used[i]).Select(c => c.Name))}");
        }

        if (expected.MaxCalls is { } max && output.Count > max)
        {
            violations.Add($"{output.Count} calls, more than the {max} allowed");
        }

        double recall = expected.Required.Count == 0 ? 1 : (double)found / expected.Required.Count;
        double precision = output.Count == 0 ? (expected.Required.Count == 0 ? 1 : 0) : (double)found / output.Count;
        IReadOnlyList<MetricScore> scores =
        [
            MetricScore.PassFail(MatchMetric, violations.Count == 0, violations.Count == 0 ? null : string.Join("; ", violations)),
            new("tool_recall", recall),
            new("tool_precision", precision),
        ];
        return ValueTask.FromResult(scores);
    }

    private static int FirstIndex(IReadOnlyList<ToolCallRecord> calls, string name)
    {
        for (int i = 0; i < calls.Count; i++)
        {
            if (calls[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }
}
