using System.Diagnostics;
using System.Text.Json;
using LlmKit.Schema;

namespace LlmKit.Core.Tests.Schema;

/// <summary>
/// Numbers are compared exactly. JsonElement.TryGetDecimal rounds 1e-300 to 0 and double cannot hold 0.1, so a
/// validator built on either lets 1e-300 pass "integer" and fail "exclusiveMinimum: 0".
/// </summary>
public sealed class JsonSchemaNumberTests
{
    [Theory]
    [InlineData("1e-300")]
    [InlineData("5e-324")]
    [InlineData("1e-29")]
    [InlineData("-1e-300")]
    [InlineData("1.0000000000000000000000000000001")]
    [InlineData("123456789012345678901234567890.5")]
    public void Tiny_and_long_fractions_are_not_integers(string number)
    {
        Assert.False(IsValid("""{"type": "integer"}""", number));
        Assert.True(IsValid("""{"type": "number"}""", number));
    }

    [Theory]
    [InlineData("1e30")]
    [InlineData("1.0")]
    [InlineData("-0")]
    [InlineData("2.50e1")]
    [InlineData("123456789012345678901234567890123")]
    [InlineData("1e400")]
    public void Whole_numbers_of_any_size_are_integers(string number) =>
        Assert.True(IsValid("""{"type": "integer"}""", number));

    [Theory]
    [InlineData("1e-300", true)]
    [InlineData("5e-324", true)]
    [InlineData("0", false)]
    [InlineData("-0.0", false)]
    [InlineData("-1e-300", false)]
    public void A_tiny_positive_number_is_greater_than_zero(string number, bool valid)
    {
        Assert.Equal(valid, IsValid("""{"exclusiveMinimum": 0}""", number));
        Assert.Equal(!valid, IsValid("""{"maximum": 0}""", number));
    }

    [Theory]
    [InlineData("""{"maximum": 1e-300}""", "2e-300", false)]
    [InlineData("""{"maximum": 1e-300}""", "1e-301", true)]
    [InlineData("""{"maximum": 1e-300}""", "1.0e-300", true)]
    [InlineData("""{"exclusiveMaximum": 1e-300}""", "1e-300", false)]
    [InlineData("""{"minimum": 12345678901234567890123456789012345}""", "12345678901234567890123456789012344", false)]
    [InlineData("""{"minimum": 12345678901234567890123456789012345}""", "1.2345678901234567890123456789012345e34", true)]
    [InlineData("""{"maximum": 0.1}""", "0.10000000000000000000000000000000001", false)]
    [InlineData("""{"minimum": -1e400}""", "-1e401", false)]
    public void Bounds_compare_exactly_beyond_decimal_and_double(string schema, string number, bool valid) =>
        Assert.Equal(valid, IsValid(schema, number));

    [Theory]
    [InlineData("1e-300", "1e-301", true)]
    [InlineData("1e-300", "0.01", false)]
    [InlineData("0.3", "0.1", true)]
    [InlineData("1e308", "3", false)]
    [InlineData("3e400", "3", true)]
    [InlineData("4.5e-400", "1.5e-400", true)]
    [InlineData("123456789012345678901234567890", "10", true)]
    [InlineData("123456789012345678901234567891", "10", false)]
    [InlineData("0", "7e-300", true)]
    public void MultipleOf_is_exact_for_tiny_huge_and_long_numbers(string number, string step, bool valid) =>
        Assert.Equal(valid, IsValid($$"""{"multipleOf": {{step}}}""", number));

    [Fact]
    public void Absurd_exponents_are_decided_quickly()
    {
        var stopwatch = Stopwatch.StartNew();

        Assert.False(IsValid("""{"multipleOf": 7}""", "1e99999999999999999999"));
        Assert.True(IsValid("""{"type": "integer", "minimum": 1e999999999}""", "1e99999999999999999999"));
        Assert.False(IsValid("""{"exclusiveMinimum": 0}""", "1e-99999999999999999999") && IsValid("""{"type": "integer"}""", "1e-99999999999999999999"));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"took {stopwatch.Elapsed}");
    }

    private static bool IsValid(string schema, string number)
    {
        using var document = JsonDocument.Parse(number);
        var validator = JsonSchemaValidator.Compile(schema);
        bool valid = validator.Validate(document.RootElement).IsValid;
        Assert.Equal(valid, validator.IsValid(document.RootElement));
        return valid;
    }
}
