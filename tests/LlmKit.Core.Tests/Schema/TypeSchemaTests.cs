using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using LlmKit.Schema;

namespace LlmKit.Core.Tests.Schema;

public sealed class TypeSchemaTests
{
    public sealed record Profile(
        [property: Description("Display name"), StringLength(40, MinimumLength = 2)] string Name,
        [property: EmailAddress] string? Email,
        [property: Url] string? Homepage,
        Address? Home,
        List<string> Tags,
        int Score = 0);

    public sealed record Address(string Street, string City);

    public sealed record WithDictionary(string Name, Dictionary<string, int> Counts);

    public sealed record TreeNode(string Label, List<TreeNode> Children);

    public sealed record Payment(
        [property: Range(typeof(decimal), "0.01", "10000000")] decimal Amount,
        [property: Range(typeof(DateTime), "2020-01-01", "2030-12-31")] DateTime On);

    [Fact]
    public void Options_created_with_new_get_the_reflection_resolver_as_JsonSerializer_gives_them_and_become_read_only()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        var schema = TypeSchema.For<Profile>(options);

        Assert.True(options.IsReadOnly);
        Assert.NotNull(options.TypeInfoResolver);
        Assert.Equal(JsonValueKind.Object, schema.Schema.GetProperty("properties").ValueKind);
    }

    [Fact]
    public void Strict_form_requires_every_property_closes_objects_and_makes_optional_ones_nullable()
    {
        var schema = TypeSchema.For<Profile>();

        var strict = schema.StrictSchema!.Value;
        Assert.False(strict.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["name", "email", "homepage", "home", "tags", "score"], strict.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var score = strict.GetProperty("properties").GetProperty("score");
        Assert.Equal(["integer", "null"], score.GetProperty("type").EnumerateArray().Select(e => e.GetString()));
        var home = strict.GetProperty("properties").GetProperty("home");
        Assert.False(home.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["street", "city"], home.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Strict_form_moves_keywords_strict_providers_reject_into_the_description_and_keeps_supported_formats()
    {
        var strict = TypeSchema.For<Profile>().StrictSchema!.Value.GetProperty("properties");

        var name = strict.GetProperty("name");
        Assert.False(name.TryGetProperty("minLength", out _));
        Assert.Equal("Display name. At least 2 characters. At most 40 characters.", name.GetProperty("description").GetString());
        Assert.Equal("email", strict.GetProperty("email").GetProperty("format").GetString());
        Assert.False(strict.GetProperty("homepage").TryGetProperty("format", out _));
        Assert.Contains("Format: uri.", strict.GetProperty("homepage").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(strict.GetProperty("score").TryGetProperty("default", out _));
    }

    [Fact]
    public void The_full_schema_keeps_every_constraint_for_validation()
    {
        var schema = TypeSchema.For<Profile>();

        Assert.False(schema.Validator.Validate(Json("""{"name":"A","email":null,"homepage":null,"home":null,"tags":[]}""")).IsValid);
        Assert.False(schema.Validator.Validate(Json("""{"name":"Ada","email":"not-an-email","homepage":null,"home":null,"tags":[]}""")).IsValid);
        Assert.True(schema.Validator.Validate(Json("""{"name":"Ada","email":"ada@example.com","homepage":null,"home":null,"tags":[]}""")).IsValid);
    }

    [Fact]
    public void A_dictionary_has_no_strict_form_and_the_reason_names_where()
    {
        var schema = TypeSchema.For<WithDictionary>();

        Assert.Null(schema.StrictSchema);
        Assert.Contains("#/properties/counts", schema.StrictUnavailableReason, StringComparison.Ordinal);
        Assert.Contains("open object", schema.StrictUnavailableReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrapping_a_recursive_array_root_rewrites_its_refs_so_they_still_resolve()
    {
        var schema = TypeSchema.For<TreeNode[]>();

        Assert.True(schema.IsWrapped);
        Assert.Contains("\"$ref\":\"#/properties/value", schema.SchemaText, StringComparison.Ordinal);
        Assert.True(schema.Validator.Validate(Json("""{"value":[{"label":"a","children":[{"label":"b","children":[]}]}]}""")).IsValid);
        var invalid = schema.Validator.Validate(Json("""{"value":[{"label":"a","children":[{"label":7,"children":[]}]}]}"""));
        Assert.Equal("/value/0/children/0/label", Assert.Single(invalid.Errors).InstanceLocation);
    }

    [Fact]
    public void Canonical_text_is_identical_across_option_instances_and_sorts_keywords_but_not_properties()
    {
        var first = TypeSchema.For<Profile>(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var second = TypeSchema.For<Profile>(new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.NotSame(first, second);
        Assert.Equal(first.SchemaText, second.SchemaText);
        Assert.StartsWith("""{"additionalProperties":false,"properties":{"name":{"description":"Display name.""", first.StrictSchemaText, StringComparison.Ordinal);
        Assert.True(first.SchemaText.IndexOf("\"name\":", StringComparison.Ordinal) < first.SchemaText.IndexOf("\"email\":", StringComparison.Ordinal));
    }

    [Fact]
    public void The_schema_is_built_once_per_type_and_options()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        Assert.Same(TypeSchema.For<Profile>(options), TypeSchema.For<Profile>(options));
    }

    [Theory]
    [InlineData(typeof(string), "String")]
    [InlineData(typeof(List<Address>), "ListOfAddress")]
    [InlineData(typeof(Dictionary<string, int>), "DictionaryOfStringAndInt32")]
    public void Schema_names_are_what_providers_accept(Type type, string expected)
    {
        Assert.Equal(expected, TypeSchema.For(type).Name);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public void Range_bounds_given_as_strings_become_numbers_and_bounds_no_schema_can_say_move_to_the_description()
    {
        var schema = TypeSchema.For<Payment>();

        var properties = schema.Schema.GetProperty("properties");
        var amount = properties.GetProperty("amount");
        Assert.Equal((0.01m, 10_000_000m), (amount.GetProperty("minimum").GetDecimal(), amount.GetProperty("maximum").GetDecimal()));
        var on = properties.GetProperty("on");
        Assert.False(on.TryGetProperty("minimum", out _));
        Assert.Contains("minimum: 2020-01-01.", on.GetProperty("description").GetString(), StringComparison.Ordinal);
        using var tooSmall = JsonDocument.Parse("""{"amount":0,"on":"2024-05-01T00:00:00Z"}""");
        var error = Assert.Single(schema.Validator.Validate(tooSmall.RootElement).Errors);
        Assert.Equal(("/amount", "minimum"), (error.InstanceLocation, error.Keyword));
    }
}
