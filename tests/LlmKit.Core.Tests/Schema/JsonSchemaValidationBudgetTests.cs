using System.Diagnostics;
using System.Text.Json;
using LlmKit.Schema;

namespace LlmKit.Core.Tests.Schema;

/// <summary>
/// A hostile or degenerate value cannot buy unbounded CPU: patterns the linear-time engine accepts never time out,
/// and everything else stops at the per-validation budget with a clear error. The machine is shared and noisy, so
/// the time limits asserted here are generous multiples of what a correct implementation takes.
/// </summary>
public sealed class JsonSchemaValidationBudgetTests
{
    // 28 a's then '!': the backtracking engine explores about 2^28 ways to split the a's before giving up.
    private static readonly string Evil = new string('a', 28) + "!";

    [Theory]
    [InlineData("^(a|aa)+$")]
    [InlineData("^(a|a?)+$")]
    [InlineData("^([a-z]+\\\\d?)*$")]
    public void Catastrophic_patterns_without_backreferences_or_lookarounds_are_decided_in_linear_time(string pattern)
    {
        var validator = JsonSchemaValidator.Compile($$$"""{"type": "array", "items": {"type": "string", "pattern": "{{{pattern}}}"}}""");
        var instance = Strings(200, Evil);

        var stopwatch = Stopwatch.StartNew();
        var result = validator.Validate(instance);
        stopwatch.Stop();

        // Backtracking: 200 × the 100 ms timeout = 20 s. Linear time: well under a millisecond per string.
        Assert.False(result.TimedOut);
        Assert.Equal(50, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("pattern", e.Keyword));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.True(validator.Validate(Strings(3, "aaaa")).IsValid);
    }

    [Fact]
    public void A_catastrophic_pattern_the_linear_engine_refuses_stops_at_the_validation_budget()
    {
        // The lookahead forces the backtracking engine: each string costs the whole 100 ms regex timeout.
        var options = new JsonSchemaValidatorOptions { ValidationTimeout = TimeSpan.FromMilliseconds(300) };
        var validator = JsonSchemaValidator.Compile("""{"type": "array", "items": {"type": "string", "pattern": "^(?=(a+)+$)a"}}""", options);
        var instance = Strings(1000, Evil);

        var stopwatch = Stopwatch.StartNew();
        var result = validator.Validate(instance);
        stopwatch.Stop();

        Assert.True(result.TimedOut);
        var error = Assert.Single(result.Errors);
        Assert.Equal("timeout", error.Keyword);
        Assert.Contains("300 ms validation budget", error.Message, StringComparison.Ordinal);
        Assert.False(validator.IsValid(instance));

        // Budget plus at most one regex timeout, with room for a loaded machine; without the budget this is 100 s.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public void A_pattern_that_times_out_says_so_rather_than_that_the_value_does_not_match()
    {
        var validator = JsonSchemaValidator.Compile("""{"type": "string", "pattern": "^(?=(a+)+$)a"}""");

        var result = validator.Validate(JsonDocument.Parse($"\"{Evil}\"").RootElement);

        var error = Assert.Single(result.Errors);
        Assert.Equal("pattern", error.Keyword);
        Assert.StartsWith("Could not be checked against the regular expression", error.Message, StringComparison.Ordinal);
        Assert.Contains("100 ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UniqueItems_on_a_long_array_costs_linear_time()
    {
        var options = new JsonSchemaValidatorOptions { ValidationTimeout = Timeout.InfiniteTimeSpan };
        var validator = JsonSchemaValidator.Compile("""{"type": "array", "uniqueItems": true}""", options);
        string items = string.Join(",", Enumerable.Range(0, 20_000).Select(i => $$"""{"id":{{i}},"name":"item"}"""));
        using var distinct = JsonDocument.Parse("[" + items + "]");
        using var repeated = JsonDocument.Parse("[" + items + """,{"name":"item","id":19999.0}]""");

        var stopwatch = Stopwatch.StartNew();
        var valid = validator.Validate(distinct.RootElement);
        var invalid = validator.Validate(repeated.RootElement);
        stopwatch.Stop();

        // Pairwise over indexed elements this was 20,000^2 / 2 comparisons, each indexing the array from its start.
        Assert.True(valid.IsValid);
        Assert.Equal("Items must be unique, but items 19999 and 20000 are equal.", Assert.Single(invalid.Errors).Message);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("100", "1e2")]
    [InlineData("""{"a":1,"b":[1,2]}""", """{"b":[1.0,2],"a":1}""")]
    [InlineData("\"x\"", "\"\\u0078\"")]
    public void Long_arrays_find_duplicates_that_are_spelled_differently(string first, string second)
    {
        var validator = JsonSchemaValidator.Compile("""{"uniqueItems": true}""");
        string filler = string.Join(",", Enumerable.Range(1000, 40).Select(i => $"\"filler{i}\""));

        Assert.False(validator.Validate(JsonDocument.Parse($"[{first},{filler},{second}]").RootElement).IsValid);
        Assert.True(validator.Validate(JsonDocument.Parse($"[{first},{filler}]").RootElement).IsValid);
    }

    [Fact]
    public void A_budget_of_the_callers_can_be_passed_per_validation()
    {
        var validator = JsonSchemaValidator.Compile("""{"type": "array", "items": {"type": "string", "pattern": "^(?=(a+)+$)a"}}""");

        var spent = validator.Validate(Strings(5, Evil), TimeSpan.Zero);
        var unlimited = validator.Validate(Strings(2, "aaa"), Timeout.InfiniteTimeSpan);

        Assert.True(spent.TimedOut);
        Assert.True(unlimited.IsValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_validation_budget_that_is_not_positive_is_refused(int milliseconds)
    {
        var options = new JsonSchemaValidatorOptions { ValidationTimeout = TimeSpan.FromMilliseconds(milliseconds) };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => JsonSchemaValidator.Compile("{}", options));

        Assert.Equal(nameof(JsonSchemaValidatorOptions.ValidationTimeout), error.ParamName);
    }

    private static JsonElement Strings(int count, string value) =>
        JsonDocument.Parse("[" + string.Join(",", Enumerable.Repeat($"\"{value}\"", count)) + "]").RootElement;
}
