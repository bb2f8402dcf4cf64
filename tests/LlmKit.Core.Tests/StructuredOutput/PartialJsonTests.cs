using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKit.StructuredOutput;

namespace LlmKit.Core.Tests.StructuredOutput;

public sealed class PartialJsonTests
{
    private const string Document = """
        {"name": "Ada \"the\" Countess\u00e9", "age": -36.5e1, "ok": true, "none": null, "no": false,
         "tags": ["a", {"deep": [1, 2, {"x": "y"}]}, []], "empty": {}, "escaped\/key": "\\ \n \t"}
        """;

    [Fact]
    public void Every_prefix_of_valid_JSON_parses_without_throwing_and_only_ever_grows_strings_it_has_seen()
    {
        for (int length = 0; length <= Document.Length; length++)
        {
            var prefix = Document.AsSpan(0, length);
            bool started = PartialJson.TryParse(prefix, out var node);

            Assert.Equal(Document.AsSpan(0, length).TrimStart().Length > 0, started);
            if (node is JsonObject obj && obj["name"] is JsonValue name)
            {
                Assert.StartsWith(name.GetValue<string>(), "Ada \"the\" Countess\u00e9", StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void The_whole_document_parses_to_the_same_value_as_a_full_parser()
    {
        var node = PartialJson.Parse(Document);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Document), node));
    }

    [Theory]
    [InlineData("""{"a": "hel""", """{"a":"hel"}""")]
    [InlineData("""{"a": 1, "b""", """{"a":1}""")]
    [InlineData("""{"a": 1, "b":""", """{"a":1}""")]
    [InlineData("""{"a": tr""", """{}""")]
    [InlineData("""{"a": -""", """{}""")]
    [InlineData("""{"a": 12.""", """{"a":12}""")]
    [InlineData("""{"a": 1e""", """{"a":1}""")]
    [InlineData("""[1, [2, [3""", """[1,[2,[3]]]""")]
    [InlineData("""{"a": "x\""", """{"a":"x"}""")]
    [InlineData("""{"a": "\u00""", """{"a":""}""")]
    [InlineData("""{"a": null""", """{"a":null}""")]
    public void A_cut_value_is_closed_or_left_out_never_guessed(string prefix, string expected)
    {
        Assert.Equal(expected, PartialJson.Parse(prefix)!.ToJsonString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("garbage")]
    [InlineData("}")]
    public void Input_that_has_not_started_a_value_gives_nothing(string prefix)
    {
        Assert.False(PartialJson.TryParse(prefix, out _));
    }

    [Fact]
    public void Deeply_nested_input_does_not_overflow_the_stack()
    {
        string deep = new string('[', 100_000);

        var node = PartialJson.Parse(deep);

        Assert.IsType<JsonArray>(node);
    }

    [Fact]
    public void Garbage_after_a_value_start_never_throws()
    {
        var random = new Random(1234);
        const string Alphabet = "{}[]\":,. -+eE0123456789tfnalsru\\x";
        for (int i = 0; i < 2000; i++)
        {
            char[] chars = new char[random.Next(1, 40)];
            for (int j = 0; j < chars.Length; j++)
            {
                chars[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            _ = PartialJson.TryParse(chars, out var node);
            _ = node?.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        }
    }
}
