using System.Text.Json;
using LlmKit.Tools;

namespace LlmKit.Core.Tests.Tools;

public sealed class ToolArgumentValidationTests
{
    private static readonly SchemaFunction Tool = SchemaFunction.Returning(
        "t", """{"type":"object","properties":{"n":{"type":"integer"},"mode":{"type":"string","enum":["a","b"]}},"required":["n"],"additionalProperties":false}""", _ => null);

    [Theory]
    [InlineData("""{"n":1,"mode":"a"}""", new string[0])]
    [InlineData("""{"n":1.5}""", new[] { "/n: expected integer, but was number." })]
    [InlineData("""{"n":1e-300}""", new[] { "/n: expected integer, but was number." })]
    [InlineData("""{"n":1e30}""", new string[0])]
    [InlineData("""{"mode":"c"}""", new[] { "/: the required property 'n' is missing.", "/mode: must be one of \"a\", \"b\"." })]
    [InlineData("""{"n":1,"x":true}""", new[] { "/x: the property is not allowed; the tool accepts 'n', 'mode'." })]
    [InlineData("""[1]""", new[] { "/: the arguments must be a JSON object, but were array." })]
    public void The_fallback_validator_checks_required_type_enum_and_closed_properties(string arguments, string[] expected)
    {
        using var document = JsonDocument.Parse(arguments);

        var errors = MinimalToolArgumentValidator.Instance.Validate(Tool, document.RootElement);

        Assert.Equal(expected, errors);
    }

    [Fact]
    public void The_schema_validator_reports_nested_problems_the_fallback_cannot_see()
    {
        var nested = SchemaFunction.Returning(
            "n", """{"type":"object","properties":{"point":{"type":"object","properties":{"x":{"type":"number"}},"required":["x"]}}}""", _ => null);
        using var document = JsonDocument.Parse("""{"point":{"x":"left"}}""");

        Assert.Empty(MinimalToolArgumentValidator.Instance.Validate(nested, document.RootElement));
        Assert.Contains(SchemaToolArgumentValidator.Instance.Validate(nested, document.RootElement), e => e.StartsWith("/point/x:", StringComparison.Ordinal));
    }
}
