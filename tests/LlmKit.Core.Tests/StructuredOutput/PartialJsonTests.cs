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
    [InlineData("""{"a": "x\ud83d""", """{"a":"x"}""")]
    [InlineData("""{"a": "x\ud83d\ude0""", """{"a":"x"}""")]
    [InlineData("""{"a": [1, ]""", """{"a":[1]}""")]
    [InlineData("""{"a": 01""", """{"a":0}""")]
    [InlineData("""{"a": 1, "a": 2""", """{"a":2}""")]
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

    [Fact]
    public void Input_nested_deeper_than_64_levels_keeps_the_first_64_and_can_be_written_back()
    {
        var node = PartialJson.Parse("""{"a":""" + new string('[', 100) + "1");

        // Beyond 64 levels System.Text.Json cannot write a node back ("CurrentDepth (64)"), so the value stops there.
        Assert.Equal("""{"a":""" + new string('[', 63) + new string(']', 63) + "}", node!.ToJsonString());
    }

    [Fact]
    public void A_lone_surrogate_reads_as_U_FFFD_and_half_a_pair_at_the_end_waits_for_the_other_half()
    {
        Assert.Equal("x\uFFFDy", (string?)PartialJson.Parse("{\"a\":\"x\uD83Dy")!["a"]);
        Assert.Equal("x\uFFFD", (string?)PartialJson.Parse("{\"a\":\"x\\ud83d\"")!["a"]);
        Assert.Equal("x", (string?)PartialJson.Parse("{\"a\":\"x\uD83D")!["a"]);
        Assert.Equal("x\U0001F600", (string?)PartialJson.Parse("{\"a\":\"x\uD83D\uDE00")!["a"]);
    }

    [Fact]
    public void Reading_in_chunks_gives_the_same_value_as_reading_the_prefix_at_once_whatever_the_split()
    {
        // Every place a chunk can end: inside an escape, a number, a literal, a key, between a key and its colon.
        for (int chunk = 1; chunk <= 7; chunk++)
        {
            var reader = new PartialJsonReader(findStart: false);
            for (int start = 0; start < Document.Length; start += chunk)
            {
                int length = Math.Min(chunk, Document.Length - start);
                reader.Append(Document.AsSpan(start, length));
                Assert.Equal(PartialJson.Parse(Document.AsSpan(0, start + length))?.ToJsonString(), reader.Snapshot()?.ToNode()?.ToJsonString());
            }
        }
    }

    [Fact]
    public void A_model_answer_starts_at_its_first_brace_and_a_wrapped_root_shows_only_its_value()
    {
        var answer = new PartialJsonReader(findStart: true);
        answer.Append("Sure! ```json\n{\"a\": [1, 2");
        Assert.Equal("""{"a":[1,2]}""", answer.Snapshot()!.ToNode()!.ToJsonString());

        var wrapped = new PartialJsonReader(findStart: true, rootMember: "value");
        wrapped.Append("{\"note\": \"x\", \"value\": [\"a\", \"b\"");
        Assert.Equal("""["a","b"]""", wrapped.Snapshot()!.ToNode()!.ToJsonString());
        int version = wrapped.Version;
        wrapped.Append("""], "after": [1, 2, 3]}""");
        Assert.Equal("""["a","b"]""", wrapped.Snapshot()!.ToNode()!.ToJsonString());
        Assert.Equal(version, wrapped.Version); // nothing outside the value counts as a change
    }
}
