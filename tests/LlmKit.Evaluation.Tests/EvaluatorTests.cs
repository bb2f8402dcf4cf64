using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.Evaluation.Datasets;
using LlmKit.Evaluation.Evaluators;

namespace LlmKit.Evaluation.Tests;

public sealed class EvaluatorTests
{
    private sealed record Line(string Description, decimal Amount);

    private sealed record Order(string Number, string Customer, string Date, decimal Total, IReadOnlyList<Line> Lines);

    [Fact]
    public async Task Field_F1_normalises_numbers_dates_and_strings_and_pairs_array_items_by_content()
    {
        var expected = new Order("INV-7", "Contoso Ltd", "2025-03-03", 1463.00m, [new("Chair", 756m), new("Arm", 534m), new("Discount", -77m)]);
        var actual = new Order("INV-7", "  contoso   LTD ", "3 March 2025", 1463m, [new("Arm", 534.00m), new("Chair", 756m)]);

        var scores = await new FieldMatchEvaluator<Order>().EvaluateAsync(Context(expected), actual, default);

        var f1 = scores.Single(s => s.Name == "field_f1");
        // 4 scalars right; 2 of 3 lines found (4 fields), the discount line missed (2 fields): TP 8, FN 2, FP 0.
        Assert.Equal(1.0, scores.Single(s => s.Name == "field_precision").Value, 10);
        Assert.Equal(0.8, scores.Single(s => s.Name == "field_recall").Value, 10);
        Assert.Equal(2 * 0.8 / 1.8, f1.Value, 10);
        Assert.False(f1.Passed);
        Assert.Contains("lines[].description: expected \"Discount\", got nothing", f1.Reason, StringComparison.Ordinal);
        Assert.Equal(1.0, scores.Single(s => s.Name == "field_f1:date").Value);
        Assert.Equal(0.8, scores.Single(s => s.Name == "field_f1:lines[].amount").Value, 10);
    }

    [Fact]
    public void A_wrong_value_counts_as_both_a_false_positive_and_a_false_negative()
    {
        var counts = FieldComparer.Compare(JsonSerializer.SerializeToElement(new { a = 1, b = "x" }), JsonSerializer.SerializeToElement(new { a = 2, b = "x", c = "extra" })).Total;
        Assert.Equal(new FieldCounts(1, 2, 1), counts);
    }

    [Theory]
    [InlineData(TextNormalization.None, "Paris", "paris", false)]
    [InlineData(TextNormalization.All, "Paris.", "  paris ", true)]
    [InlineData(TextNormalization.All, "Zürich", "Zurich", true)]
    [InlineData(TextNormalization.IgnoreCase, "net-30", "NET 30", false)]
    public async Task Exact_and_normalised_match(TextNormalization normalization, string expected, string actual, bool passes)
    {
        var score = (await new ExactMatchEvaluator(normalization).EvaluateAsync(Context<string?>(expected), actual, default)).Single();
        Assert.Equal(passes, score.Passed);
    }

    [Fact]
    public async Task Schema_validity_reports_the_errors_with_their_pointers()
    {
        var evaluator = JsonSchemaEvaluator.For<Line>();
        Assert.True((await evaluator.EvaluateAsync(Context<object?>(null), """{"description":"x","amount":3}""", default)).Single().Passed);
        var invalid = (await evaluator.EvaluateAsync(Context<object?>(null), """{"description":"x"}""", default)).Single();
        Assert.False(invalid.Passed);
        Assert.Contains("amount", invalid.Reason, StringComparison.Ordinal);
        Assert.Contains("not JSON", (await evaluator.EvaluateAsync(Context<object?>(null), "Sure! Here it is", default)).Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_trajectories_check_required_calls_argument_constraints_partial_order_and_forbidden_tools()
    {
        var expected = new ToolTrajectory
        {
            Required =
            [
                new ExpectedToolCall("lookup_order") { ArgumentsInclude = new JsonObject { ["orderId"] = 42 } },
                new ExpectedToolCall("refund") { ArgumentsSatisfy = args => args.GetProperty("amount").GetDecimal() <= 80 },
            ],
            Order = [new ToolOrder("lookup_order", "refund")],
            Forbidden = ["delete_account"],
        };
        var evaluator = new ToolTrajectoryEvaluator();
        ToolCallRecord Call(string name, object args) => new(name, JsonSerializer.SerializeToElement(args));

        var good = await evaluator.EvaluateAsync(Context(expected), [Call("lookup_order", new { orderId = "42" }), Call("get_weather", new { }), Call("refund", new { amount = 80 })], default);
        Assert.True(good.Single(s => s.Name == "trajectory_match").Passed);
        Assert.Equal(2 / 3.0, good.Single(s => s.Name == "tool_precision").Value, 10);

        var bad = await evaluator.EvaluateAsync(Context(expected), [Call("refund", new { amount = 120 }), Call("lookup_order", new { orderId = 42 }), Call("delete_account", new { })], default);
        string reason = bad.Single(s => s.Name == "trajectory_match").Reason!;
        Assert.Contains("refund was called, but never with arguments that satisfy the constraints", reason, StringComparison.Ordinal);
        Assert.Contains("refund ran before lookup_order", reason, StringComparison.Ordinal);
        Assert.Contains("delete_account must not be called", reason, StringComparison.Ordinal);
        Assert.Equal(0.5, bad.Single(s => s.Name == "tool_recall").Value);
    }

    [Fact]
    public async Task Retrieval_metrics_use_graded_judgements()
    {
        var relevant = new Dictionary<string, int> { ["d1"] = 2, ["d3"] = 1 };
        var scores = await new RetrievalMetricsEvaluator(k: 2, passRecall: 0.5).EvaluateAsync(Context<IReadOnlyDictionary<string, int>>(relevant), ["d2", "d1", "d3"], default);
        Assert.Equal(0.5, scores.Single(s => s.Name == "recall@2").Value);
        Assert.True(scores.Single(s => s.Name == "recall@2").Passed);
        Assert.Equal(0.5, scores.Single(s => s.Name == "mrr").Value);
        Assert.InRange(scores.Single(s => s.Name == "ndcg@2").Value, 0.3, 0.8);
    }

    internal static TrialContext<string, T> Context<T>(T expected) =>
        new(new EvaluationCase<string, T> { Id = "case-1", Input = "input", Expected = expected }, 0);
}
