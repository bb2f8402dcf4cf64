using System.Text.Json;
using LlmKit.Schema;

namespace LlmKit.Core.Tests.Schema;

public sealed class JsonSchemaValidatorTests
{
    private const string Person = """
        {
          "type": "object",
          "properties": {
            "name": { "type": "string", "minLength": 1 },
            "age": { "type": "integer", "minimum": 0, "maximum": 130 },
            "tags": { "type": "array", "items": { "$ref": "#/$defs/tag" } }
          },
          "required": ["name", "age"],
          "additionalProperties": false,
          "$defs": { "tag": { "type": "string", "enum": ["a", "b"] } }
        }
        """;

    [Fact]
    public void Errors_name_the_instance_location_the_keyword_and_a_fix_a_model_can_apply()
    {
        var validator = JsonSchemaValidator.Compile(Person);

        var result = validator.Validate(Parse("""{"age": 200, "tags": ["a", "c"], "nickname": "x"}"""));

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e is { InstanceLocation: "", Keyword: "required", SchemaLocation: "#/required" } && e.Message.Contains("\"name\"", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e is { InstanceLocation: "/age", Keyword: "maximum", SchemaLocation: "#/properties/age/maximum" } && e.Message == "Must be at most 130, but is 200.");
        Assert.Contains(result.Errors, e => e is { InstanceLocation: "/tags/1", Keyword: "enum", SchemaLocation: "#/$defs/tag/enum" } && e.Message.Contains("\"a\", \"b\"", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e is { InstanceLocation: "/nickname", Keyword: "additionalProperties" } && e.Message.Contains("remove it", StringComparison.Ordinal));
        Assert.Equal(4, result.Errors.Count);
    }

    [Fact]
    public void A_valid_instance_has_no_errors_and_agrees_with_IsValid()
    {
        var validator = JsonSchemaValidator.Compile(Person);
        var instance = Parse("""{"name": "Ada", "age": 36, "tags": ["b"]}""");

        var result = validator.Validate(instance);

        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        Assert.True(validator.IsValid(instance));
    }

    [Fact]
    public void String_lengths_count_code_points_not_UTF16_units()
    {
        var validator = JsonSchemaValidator.Compile("""{"type": "string", "maxLength": 2}""");

        Assert.True(validator.Validate(Parse("\"\uD83D\uDCA9\uD83D\uDCA9\"")).IsValid);
        Assert.False(validator.Validate(Parse("\"\uD83D\uDCA9\uD83D\uDCA9x\"")).IsValid);
    }

    [Fact]
    public void Errors_stop_at_MaxErrors()
    {
        var validator = JsonSchemaValidator.Compile("""{"type": "array", "items": {"type": "integer"}}""", new JsonSchemaValidatorOptions { MaxErrors = 3 });

        var result = validator.Validate(Parse("""["a", "b", "c", "d", "e"]"""));

        Assert.Equal(["/0", "/1", "/2"], result.Errors.Select(e => e.InstanceLocation));
    }

    [Fact]
    public void A_self_referencing_schema_reports_instead_of_overflowing_the_stack()
    {
        var validator = JsonSchemaValidator.Compile("""{"$ref": "#"}""");

        var result = validator.Validate(Parse("1"));

        Assert.False(result.IsValid);
        Assert.Equal("$ref", result.Errors[0].Keyword);
    }

    [Theory]
    [InlineData("""{"type": 12}""", "type")]
    [InlineData("""{"minLength": -1}""", "minLength")]
    [InlineData("""{"pattern": "("}""", "regular expression")]
    [InlineData("""{"$ref": "#/$defs/missing"}""", "does not exist")]
    [InlineData("""{"$ref": "https://elsewhere.example/schema.json"}""", "AddDocument")]
    [InlineData("""{"properties": {"a": 3}}""", "#/properties/a")]
    public void An_invalid_schema_fails_at_compile_time_with_a_message_naming_the_problem(string schema, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => JsonSchemaValidator.Compile(schema));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_is_an_annotation_unless_AssertFormat_is_on()
    {
        const string Schema = """{"type": "string", "format": "date"}""";
        var instance = Parse("\"2023-02-29\"");

        Assert.True(JsonSchemaValidator.Compile(Schema).Validate(instance).IsValid);
        var asserted = JsonSchemaValidator.Compile(Schema, new JsonSchemaValidatorOptions { AssertFormat = true }).Validate(instance);
        Assert.Equal("format", Assert.Single(asserted.Errors).Keyword);
        Assert.True(JsonSchemaValidator.Compile(Schema, new JsonSchemaValidatorOptions { AssertFormat = true }).Validate(Parse("\"2024-02-29\"")).IsValid);
    }

    [Theory]
    [InlineData("13:45:00Z", true)]
    [InlineData("13:45:00.5+02:00", true)]
    [InlineData("13:45:00", false)]
    [InlineData("24:00:00Z", false)]
    public void Time_format_requires_an_offset(string value, bool valid)
    {
        var validator = JsonSchemaValidator.Compile("""{"format": "time"}""", new JsonSchemaValidatorOptions { AssertFormat = true });

        Assert.Equal(valid, validator.Validate(JsonSerializer.SerializeToElement(value)).IsValid);
    }

    [Fact]
    public void AnyOf_failures_explain_the_closest_branch()
    {
        var validator = JsonSchemaValidator.Compile("""
            {"anyOf": [{"type": "string"}, {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}]}
            """);

        var result = validator.Validate(Parse("""{"id": "x"}"""));

        Assert.Equal("anyOf", result.Errors[0].Keyword);
        Assert.Contains(result.Errors, e => e is { InstanceLocation: "/id", Keyword: "type" });
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
