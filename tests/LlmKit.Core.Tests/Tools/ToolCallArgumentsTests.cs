using System.Text.Json;
using LlmKit.Testing;
using LlmKit.Tools;
using Microsoft.Extensions.AI;
using static LlmKit.Core.Tests.Tools.ToolTestKit;

namespace LlmKit.Core.Tests.Tools;

/// <summary>Arguments the model got wrong are reported as what is actually wrong, so that it can fix the call.</summary>
public sealed class ToolCallArgumentsTests
{
    [Theory]
    [InlineData("[1,2,3]", "The arguments are a JSON array, not a JSON object.")]
    [InlineData("\"Paris\"", "The arguments are a JSON string, not a JSON object.")]
    [InlineData("42", "The arguments are a number, not a JSON object.")]
    [InlineData("true", "The arguments are a boolean, not a JSON object.")]
    [InlineData("null", "The arguments are null, not a JSON object.")]
    [InlineData("{\"city\": \"Par", "The arguments are not valid JSON: ")]
    [InlineData("{\"city\": 'Paris'}", "The arguments are not valid JSON: ''' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 9.")]
    public async Task Arguments_that_are_not_one_JSON_object_are_reported_as_what_they_are(string arguments, string expected)
    {
        var weather = SchemaFunction.Returning("get_weather", CitySchema, _ => "sunny");
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCallJson("get_weather", arguments), ScriptedTurn.FromText("ok"));

        var result = await model.RunToolsAsync("Weather?", new ChatOptions { Tools = [weather] });

        var step = Assert.Single(result.Steps);
        Assert.Equal(ToolCallOutcome.InvalidArguments, step.Outcome);
        Assert.StartsWith("Error: invalid arguments for 'get_weather'. " + expected, step.Result, StringComparison.Ordinal);
        Assert.EndsWith("Send one JSON object that matches the tool's schema.", step.Result, StringComparison.Ordinal);
        Assert.DoesNotContain("missing", step.Result, StringComparison.Ordinal);
        Assert.Equal(0, weather.Invocations);
        AssertEveryCallAnswered(result);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Arguments_nested_10000_levels_deep_are_reported_as_too_deep(bool insideAnObject)
    {
        string deep = new string('[', 10_000) + new string(']', 10_000);
        string arguments = insideAnObject ? "{\"city\":" + deep + "}" : deep;
        var weather = SchemaFunction.Returning("get_weather", CitySchema, _ => "sunny");
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCallJson("get_weather", arguments), ScriptedTurn.FromText("ok"));

        var result = await model.RunToolsAsync("Weather?", new ChatOptions { Tools = [weather] });

        Assert.Contains($"The arguments are nested {(insideAnObject ? 10_001 : 10_000)} levels deep; at most 64 levels are accepted.", Assert.Single(result.Steps).Result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_escaped_lone_surrogate_from_another_parser_reaches_the_tool_as_U_FFFD_instead_of_throwing()
    {
        // Microsoft.Extensions.AI's adapters parse arguments themselves; the element keeps the escape as written, and
        // System.Text.Json refuses to write it back.
        var call = FunctionCallContent.CreateFromParsedArguments("""{"city":"Par\ud83dis"}""", "call_1", "get_weather",
            json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json));
        string? seen = null;
        var weather = SchemaFunction.Returning("get_weather", CitySchema, a => seen = a["city"]?.ToString());
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCalls(call), ScriptedTurn.FromText("ok"));

        var result = await model.RunToolsAsync("Weather?", new ChatOptions { Tools = [weather] });

        Assert.Equal(ToolCallOutcome.Succeeded, Assert.Single(result.Steps).Outcome);
        Assert.Equal("Par\uFFFDis", seen);
    }

    [Fact]
    public async Task Arguments_another_parser_refused_are_reported_with_its_reason()
    {
        var call = FunctionCallContent.CreateFromParsedArguments("[1]", "call_1", "get_weather",
            json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json));
        var weather = SchemaFunction.Returning("get_weather", CitySchema, _ => "sunny");
        var model = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCalls(call), ScriptedTurn.FromText("ok"));

        var result = await model.RunToolsAsync("Weather?", new ChatOptions { Tools = [weather] });

        Assert.StartsWith("Error: invalid arguments for 'get_weather'. The arguments could not be read as a JSON object: The JSON value could not be converted",
            Assert.Single(result.Steps).Result, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_keeps_the_text_of_arguments_it_cannot_read_and_reads_the_rest_as_elements()
    {
        var bad = ToolCallArguments.Parse("call_1", "t", "[1,2,3]");
        var good = ToolCallArguments.Parse("call_2", "t", "{\"n\": 1, \"s\": \"a\uD83D\"}");
        var none = ToolCallArguments.Parse("call_3", "t", "  ");

        Assert.Null(bad.Arguments);
        Assert.Equal("[1,2,3]", Assert.IsType<ToolArgumentException>(bad.Exception).Data[ToolCallArguments.RawArgumentsKey]);
        Assert.Equal(1, ((JsonElement)good.Arguments!["n"]!).GetInt32());
        Assert.Equal("a\uFFFD", ((JsonElement)good.Arguments["s"]!).GetString());
        Assert.Empty(none.Arguments!);
        Assert.Null(none.Exception);
    }
}
