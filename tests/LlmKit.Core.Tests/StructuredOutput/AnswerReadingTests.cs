using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.StructuredOutput;

/// <summary>
/// Whatever the model writes, reading it ends as a value or a typed failure: never an exception from inside
/// System.Text.Json, the type's own code or a validation.
/// </summary>
public sealed class AnswerReadingTests
{
    private static readonly ChatMessage[] Ask = [new(ChatRole.User, "Who is mentioned?")];

    // Lone surrogates are written as <D83D> and put in by the test: xunit's test-case serialization would turn a raw
    // one in the data into U+FFFD before the test ran.
    [Theory]
    // Raw: JsonDocument.Parse(string) threw ArgumentException "Cannot transcode invalid UTF-16".
    [InlineData("""{"name":"Ada<D83D>","age":36}""", "Ada\uFFFD")]
    [InlineData("""{"name":"<DE00>Ada","age":36}""", "\uFFFDAda")]
    // Escaped: accepted by the parser, then refused when the string was read.
    [InlineData("""{"name":"Ada\ud83d","age":36}""", "Ada\uFFFD")]
    [InlineData("""{"name":"Ada\ud83d\u0041","age":36}""", "Ada\uFFFDA")]
    [InlineData("""{"name":"\ude00\ud83d","age":36}""", "\uFFFD\uFFFD")]
    // A whole pair, raw or escaped, and an escaped backslash before "ud83d", are left as they are.
    [InlineData("""{"name":"Ada <D83D><DE00>","age":36}""", "Ada \U0001F600")]
    [InlineData("""{"name":"Ada \ud83d\ude00","age":36}""", "Ada \U0001F600")]
    [InlineData("""{"name":"Ada \\ud83d","age":36}""", "Ada \\ud83d")]
    public async Task A_lone_surrogate_in_the_answer_reads_as_U_FFFD_as_the_providers_SDKs_decode_it(string written, string expectedName)
    {
        string answer = written.Replace("<D83D>", "\uD83D", StringComparison.Ordinal).Replace("<DE00>", "\uDE00", StringComparison.Ordinal);
        var chat = new CapabilitiesChatClient(new ScriptedChatClient().Enqueue(ScriptedTurn.FromText(answer)), CapabilitiesChatClient.Nothing);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { Strategy = StructuredOutputStrategy.Prompt, MaxAttempts = 1 });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expectedName, result.Value.Name);
        Assert.Equal(answer, Assert.Single(result.LastResponse!.Messages).Text); // the raw answer is kept as it came
    }

    [Fact]
    public async Task An_answer_nested_deeper_than_64_levels_is_rejected_as_too_deep_not_as_invalid_JSON()
    {
        string deep = """{"name":"Ada","age":36,"email":""" + new string('[', 70) + new string(']', 70) + "}";
        var chat = new CapabilitiesChatClient(new ScriptedChatClient().Enqueue(ScriptedTurn.FromText(deep)), CapabilitiesChatClient.NativeNotStrict);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 1 });

        var error = Assert.Single(result.Failure!.Errors);
        Assert.Equal("depth", error.Keyword);
        Assert.Contains("nested 71 levels deep; at most 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_constructor_that_refuses_the_answer_is_a_validation_error_sent_back_and_the_exception_is_kept()
    {
        var chat = new CapabilitiesChatClient(new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("""{"kelvin":-5}"""),
            ScriptedTurn.FromText("""{"kelvin":300}""")), CapabilitiesChatClient.NativeNotStrict);

        var result = await chat.GetObjectAsync<Temperature>(Ask);

        Assert.Equal(300, result.Value.Kelvin);
        var rejected = Assert.Single(result.Rejections);
        Assert.IsType<ArgumentOutOfRangeException>(rejected.Exception);
        Assert.Equal("deserialization", Assert.Single(rejected.Errors).Keyword);
        Assert.Contains("Kelvin cannot be negative", Assert.Single(rejected.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_NotSupportedException_while_reading_is_an_Invalid_failure_not_an_exception()
    {
        var chat = new CapabilitiesChatClient(new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"label":"x"}""")), CapabilitiesChatClient.NativeNotStrict);

        var result = await chat.GetObjectAsync<Unsupported>(Ask, new StructuredOutputOptions { MaxAttempts = 1 });

        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure!.Kind);
        Assert.IsType<NotSupportedException>(Assert.Single(result.Rejections).Exception);
    }

    [Fact]
    public async Task A_validation_that_throws_is_an_Invalid_failure_that_keeps_the_exception()
    {
        var chat = new CapabilitiesChatClient(new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":36}""")), CapabilitiesChatClient.NativeNotStrict);
        var options = new StructuredOutputOptions { MaxAttempts = 1 }.WithValidation<Person>(_ => throw new InvalidOperationException("The lookup service is down."));

        var result = await chat.GetObjectAsync<Person>(Ask, options);

        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("The lookup service is down.", Assert.Single(result.Failure.Errors).Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(Assert.Single(result.Rejections).Exception);
    }

    [Fact]
    public async Task An_IValidatableObject_that_throws_is_an_Invalid_failure()
    {
        var chat = new CapabilitiesChatClient(new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"value":1}""")), CapabilitiesChatClient.NativeNotStrict);

        var result = await chat.GetObjectAsync<ThrowingCheck>(Ask, new StructuredOutputOptions { MaxAttempts = 1 });

        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure!.Kind);
        Assert.IsType<DivideByZeroException>(Assert.Single(result.Rejections).Exception);
    }

    [Theory]
    [InlineData("[1,2,3]", "", "type")]
    [InlineData("""{"name": "Ada", """, "", "json")]
    public async Task Forced_tool_arguments_that_are_not_an_object_are_judged_as_written_not_as_an_empty_object(string arguments, string pointer, string keyword)
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCallJson("respond", arguments));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.ToolsOnly);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 1 });

        Assert.Equal(arguments, Assert.Single(result.Failure!.RawOutputs));
        var error = Assert.Single(result.Failure.Errors);
        Assert.Equal((pointer, keyword), (error.InstanceLocation, error.Keyword));
        Assert.DoesNotContain(result.Failure.Errors, e => e.Keyword == "required");
    }

    [Fact]
    public async Task Forced_tool_arguments_another_parser_could_not_read_are_sent_back_with_its_reason()
    {
        // What Microsoft.Extensions.AI's own adapters produce: an exception without the text.
        var call = FunctionCallContent.CreateFromParsedArguments("[1]", "call_1", "respond",
            json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json));
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCalls(call), ScriptedTurn.FromToolCall("respond", new { name = "Ada", age = 36 }));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.ToolsOnly);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.Equal("Ada", result.Value.Name);
        var error = Assert.Single(Assert.Single(result.Rejections).Errors);
        Assert.Equal("json", error.Keyword);
        Assert.StartsWith("The arguments could not be read as a JSON object: ", error.Message, StringComparison.Ordinal);
    }

    public sealed record Temperature
    {
        public Temperature(double kelvin)
        {
            Kelvin = kelvin >= 0 ? kelvin : throw new ArgumentOutOfRangeException(nameof(kelvin), "Kelvin cannot be negative.");
        }

        public double Kelvin { get; }
    }

    public sealed record Unsupported([property: JsonConverter(typeof(RefusingConverter))] string Label);

    public sealed record ThrowingCheck(int Value) : IValidatableObject
    {
        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => throw new DivideByZeroException();
    }

    private sealed class RefusingConverter : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Labels are not supported in this build.");

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
