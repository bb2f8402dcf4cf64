using System.Text.Json;
using LlmKit.ChatCompletion;
using LlmKit.Errors;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.StructuredOutput;

public sealed class GetObjectAsyncTests
{
    private static readonly ChatMessage[] Ask = [new(ChatRole.User, "Who is mentioned? Ada Lovelace, 36.")];

    [Fact]
    public async Task A_valid_first_answer_is_returned_with_one_attempt_and_its_usage()
    {
        var scripted = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("""{"name":"Ada Lovelace","age":36,"email":null}""").WithUsage(inputTokens: 120, outputTokens: 14));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.True(result.IsSuccess);
        Assert.Equal(new Person("Ada Lovelace", 36), result.Value);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(120, result.Usage.InputTokenCount);
        Assert.Equal(14, result.Usage.OutputTokenCount);
        Assert.Equal(StructuredOutputStrategy.NativeJsonSchema, result.Strategy);
    }

    [Fact]
    public async Task An_invalid_answer_is_sent_back_with_its_errors_and_the_corrected_answer_is_returned()
    {
        const string Wrong = """{"name":"Ada Lovelace","age":236,"email":null}""";
        var scripted = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromText(Wrong).WithUsage(100, 10))
            .Enqueue(ScriptedTurn.FromText("""{"name":"Ada Lovelace","age":36,"email":null}""").WithUsage(150, 10));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.Equal(36, result.Value.Age);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(250, result.Usage.InputTokenCount);
        var retry = scripted.Requests[1].Messages;
        Assert.Equal(Ask[0].Text, retry[0].Text);
        Assert.Equal(ChatRole.Assistant, retry[1].Role);
        Assert.Equal(Wrong, retry[1].Text);
        Assert.Equal(ChatRole.User, retry[2].Role);
        Assert.Contains("/age: Must be at most 130, but is 236.", retry[2].Text, StringComparison.Ordinal);
        Assert.Equal(3, retry.Count);
        // The corrected attempt stays on record for logging, with the errors it was sent back with.
        var rejected = Assert.Single(result.Rejections);
        Assert.Equal((1, Wrong, "/age"), (rejected.Attempt, rejected.RawOutput, Assert.Single(rejected.Errors).InstanceLocation));
    }

    [Fact]
    public async Task Still_invalid_after_MaxAttempts_is_an_Invalid_failure_with_every_raw_output()
    {
        string[] answers = ["not json at all", """{"name":"Ada"}""", """{"name":"Ada","age":-1,"email":null}"""];
        var scripted = new ScriptedChatClient().Enqueue(answers.Select(ScriptedTurn.FromText).ToArray());
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 3 });

        Assert.False(result.IsSuccess);
        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure.Kind);
        Assert.Equal(answers, result.Failure.RawOutputs);
        Assert.Equal(3, result.Attempts);
        Assert.Equal([(1, "json"), (2, "required"), (3, "minimum")], result.Rejections.Select(r => (r.Attempt, r.Errors[0].Keyword)));
        var error = Assert.Single(result.Failure.Errors);
        Assert.Equal(("/age", "minimum"), (error.InstanceLocation, error.Keyword));
        Assert.Contains("not valid JSON", scripted.Requests[1].Messages[^1].Text, StringComparison.Ordinal);
        Assert.Contains("required property \"age\"", scripted.Requests[2].Messages[^1].Text, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => result.Value);
    }

    [Fact]
    public async Task A_refusal_is_a_Refused_failure_and_is_not_retried()
    {
        // One scripted turn: a retry would throw ScriptExhaustedException.
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromRefusal("I can't help with that."));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.Equal(StructuredOutputFailureKind.Refused, result.Failure!.Kind);
        Assert.Equal("I can't help with that.", result.Failure.Refusal);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public async Task A_truncated_answer_is_a_Truncated_failure_unless_a_larger_limit_is_allowed()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.Truncated("""{"name":"Ada Lo"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.Equal(StructuredOutputFailureKind.Truncated, result.Failure!.Kind);
        Assert.Equal(["""{"name":"Ada Lo"""], result.Failure.RawOutputs);
        Assert.Single(scripted.Requests);
    }

    [Fact]
    public async Task A_truncated_answer_is_retried_once_with_the_larger_output_limit_when_options_allow()
    {
        var scripted = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.Truncated("""{"name":"Ada Lo"""))
            .Enqueue(ScriptedTurn.FromText("""{"name":"Ada Lovelace","age":36,"email":null}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);
        var options = new StructuredOutputOptions { ChatOptions = new ChatOptions { MaxOutputTokens = 10 }, TruncationRetryMaxOutputTokens = 4000, MaxAttempts = 1 };

        var result = await chat.GetObjectAsync<Person>(Ask, options);

        Assert.True(result.IsSuccess);
        Assert.Equal(10, scripted.Requests[0].Options!.MaxOutputTokens);
        Assert.Equal(4000, scripted.Requests[1].Options!.MaxOutputTokens);
        Assert.Equal(Ask.Length, scripted.Requests[1].Messages.Count);
    }

    [Fact]
    public async Task A_second_truncation_after_the_larger_limit_is_a_Truncated_failure()
    {
        var scripted = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.Truncated("""{"name":"""))
            .Enqueue(ScriptedTurn.Truncated("""{"name":"Ada"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { TruncationRetryMaxOutputTokens = 4000 });

        Assert.Equal(StructuredOutputFailureKind.Truncated, result.Failure!.Kind);
        Assert.Equal(2, result.Failure.RawOutputs.Count);
    }

    [Theory]
    [InlineData("```json\n{\"name\":\"Ada\",\"age\":36,\"email\":null}\n```")]
    [InlineData("Here is the JSON you asked for:\n{\"name\":\"Ada\",\"age\":36,\"email\":null,}\nLet me know if you need more.")]
    [InlineData("```\n{\"name\": \"Ada\", \"age\": 36, \"email\": null, }\n```")]
    public async Task Prompt_strategy_repairs_fences_prose_and_trailing_commas(string answer)
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText(answer));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Nothing);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.Equal(StructuredOutputStrategy.Prompt, result.Strategy);
        Assert.Equal(new Person("Ada", 36), result.Value);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public async Task Two_JSON_objects_in_one_answer_are_ambiguous_and_not_repaired()
    {
        var scripted = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":36,"email":null} or {"name":"Bob","age":40,"email":null}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Nothing);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 1 });

        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal("json", result.Failure.Errors[0].Keyword);
    }

    [Fact]
    public async Task A_non_object_root_is_wrapped_for_the_provider_and_unwrapped_for_the_caller()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"value":["Positive","Neutral"]}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Sentiment[]>(Ask);

        Assert.Equal([Sentiment.Positive, Sentiment.Neutral], result.Value);
        var format = Assert.IsType<ChatResponseFormatJson>(scripted.Requests[0].Options!.ResponseFormat);
        var schema = format.Schema!.Value;
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.Equal("array", schema.GetProperty("properties").GetProperty("value").GetProperty("type").GetString());
        Assert.Equal("ArrayOfSentiment", format.SchemaName);
    }

    [Fact]
    public async Task A_scalar_root_is_wrapped_and_unwrapped_too()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"value":42}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<int>("How many?");

        Assert.Equal(42, result.Value);
    }

    [Fact]
    public async Task Native_strategy_sends_the_strict_schema_and_flag_when_the_provider_enforces_it()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":36,"email":null}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        await chat.GetObjectAsync<Person>(Ask);

        var options = scripted.Requests[0].Options!;
        var format = Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat);
        Assert.Equal("Person", format.SchemaName);
        Assert.Equal("A person mentioned in the text", format.SchemaDescription);
        Assert.Equal(true, options.AdditionalProperties![LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema.Key]);
        var schema = format.Schema!.Value;
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["name", "age", "email"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Null(options.Tools);
        Assert.Single(scripted.Requests[0].Messages);
    }

    [Fact]
    public async Task Native_strategy_sends_the_full_schema_without_the_flag_when_the_provider_is_not_strict()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":36}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.True(result.IsSuccess);
        var options = scripted.Requests[0].Options!;
        Assert.False(LlmKit.Pipeline.LlmKitCallProperties.StrictJsonSchema.TryGetValue(options, out _));
        var schema = Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat).Schema!.Value;
        Assert.Equal(130, schema.GetProperty("properties").GetProperty("age").GetProperty("maximum").GetInt32());
    }

    [Fact]
    public async Task Forced_tool_strategy_requires_the_respond_tool_and_reads_its_arguments()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCall("respond", new { name = "Ada", age = 36, email = (string?)null }));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.ToolsOnly);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.Equal(StructuredOutputStrategy.ForcedToolCall, result.Strategy);
        Assert.Equal(new Person("Ada", 36), result.Value);
        var options = scripted.Requests[0].Options!;
        var tool = Assert.IsAssignableFrom<AIFunctionDeclaration>(Assert.Single(options.Tools!));
        Assert.Equal("respond", tool.Name);
        Assert.Equal("respond", Assert.IsType<RequiredChatToolMode>(options.ToolMode).RequiredFunctionName);
        Assert.Equal("object", tool.JsonSchema.GetProperty("type").GetString());
        Assert.Null(options.ResponseFormat);
    }

    [Fact]
    public async Task Forced_tool_strategy_sends_errors_back_as_the_tool_result()
    {
        var scripted = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromToolCall("respond", new { name = "Ada", age = "thirty-six" }, callId: "call_1"))
            .Enqueue(ScriptedTurn.FromToolCall("respond", new { name = "Ada", age = 36 }, callId: "call_2"));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.ToolsOnly);

        var result = await chat.GetObjectAsync<Person>(Ask);

        Assert.Equal(36, result.Value.Age);
        var retry = scripted.Requests[1].Messages;
        Assert.IsType<FunctionCallContent>(Assert.Single(retry[1].Contents));
        Assert.Equal(ChatRole.Tool, retry[2].Role);
        var toolResult = Assert.IsType<FunctionResultContent>(Assert.Single(retry[2].Contents));
        Assert.Equal("call_1", toolResult.CallId);
        Assert.Contains("/age: Must be an integer, but is a string.", toolResult.Result!.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, true, true, true, StructuredOutputStrategy.NativeJsonSchema)]
    [InlineData(true, false, true, true, StructuredOutputStrategy.NativeJsonSchema)]
    [InlineData(false, false, true, true, StructuredOutputStrategy.ForcedToolCall)]
    [InlineData(false, false, true, false, StructuredOutputStrategy.Prompt)]
    [InlineData(false, false, false, false, StructuredOutputStrategy.Prompt)]
    public async Task The_strategy_follows_what_the_client_supports(bool jsonSchema, bool strict, bool tools, bool requiredTool, StructuredOutputStrategy expected)
    {
        var capabilities = new ChatClientCapabilities
        {
            SupportsJsonSchemaResponseFormat = jsonSchema, SupportsStrictJsonSchema = strict, SupportsToolCalling = tools, SupportsRequiredToolChoice = requiredTool,
        };
        var scripted = new ScriptedChatClient().Enqueue(expected == StructuredOutputStrategy.ForcedToolCall
            ? ScriptedTurn.FromToolCall("respond", new { name = "Ada", age = 36 })
            : ScriptedTurn.FromText("""{"name":"Ada","age":36,"email":null}"""));

        var result = await new CapabilitiesChatClient(scripted, capabilities).GetObjectAsync<Person>(Ask);

        Assert.Equal(expected, result.Strategy);
        Assert.True(result.IsSuccess);
        var request = scripted.Requests[0];
        Assert.Equal(expected == StructuredOutputStrategy.NativeJsonSchema, request.Options!.ResponseFormat is ChatResponseFormatJson);
        Assert.Equal(expected == StructuredOutputStrategy.ForcedToolCall, request.Options.ToolMode is RequiredChatToolMode);
        Assert.Equal(expected == StructuredOutputStrategy.Prompt, request.Messages[0].Role == ChatRole.System);
    }

    [Fact]
    public async Task A_client_that_says_nothing_about_itself_gets_a_forced_tool_call()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromToolCall("respond", new { name = "Ada", age = 36 }));

        var result = await scripted.GetObjectAsync<Person>(Ask);

        Assert.Equal(StructuredOutputStrategy.ForcedToolCall, result.Strategy);
    }

    [Fact]
    public async Task The_strategy_can_be_overridden_per_call()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":36}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { Strategy = StructuredOutputStrategy.Prompt });

        Assert.Equal(StructuredOutputStrategy.Prompt, result.Strategy);
        var system = scripted.Requests[0].Messages[0];
        Assert.Equal(ChatRole.System, system.Role);
        Assert.Contains(LlmKit.Schema.TypeSchema.For<Person>().SchemaText, system.Text, StringComparison.Ordinal);
        Assert.Null(scripted.Requests[0].Options!.ResponseFormat);
    }

    [Fact]
    public async Task DataAnnotations_and_IValidatableObject_failures_are_fed_back_at_the_member()
    {
        var scripted = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromText("""{"id":"o1","lines":[{"sku":"a","quantity":99},{"sku":"b","quantity":2}]}"""))
            .Enqueue(ScriptedTurn.FromText("""{"id":"o1","lines":[{"sku":"a","quantity":98},{"sku":"b","quantity":2}]}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Order>(Ask);

        Assert.Equal(98, result.Value.Lines[0].Quantity);
        Assert.Contains("/lines: An order may hold at most 100 items in total.", scripted.Requests[1].Messages[^1].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task An_empty_last_answer_is_an_Empty_failure(string answer)
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText(answer), ScriptedTurn.FromText(answer));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 2 });

        Assert.Equal(StructuredOutputFailureKind.Empty, result.Failure!.Kind);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public async Task A_JSON_null_answer_is_invalid_not_a_null_value()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("null"));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 1 });

        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure!.Kind);
    }

    [Fact]
    public async Task Transport_failures_are_thrown_as_LlmException()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromError(LlmErrorKind.RateLimited));

        var error = await Assert.ThrowsAsync<LlmException>(() => scripted.GetObjectAsync<Person>(Ask));

        Assert.Equal(LlmErrorKind.RateLimited, error.Kind);
    }

    [Fact]
    public async Task Cancellation_is_thrown()
    {
        var scripted = new ScriptedChatClient().EnqueueText("{}");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scripted.GetObjectAsync<Person>(Ask, cancellationToken: cancellation.Token));
    }

    [Fact]
    public async Task A_source_generated_contract_is_used_for_schema_and_reading()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":36,"email":"ada@example.com"}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync(Ask, TestJsonContext.Default.Person);

        Assert.Equal(new Person("Ada", 36, "ada@example.com"), result.Value);
    }

    [Fact]
    public async Task A_type_without_a_JSON_schema_fails_at_the_first_call_naming_the_member()
    {
        var scripted = new ScriptedChatClient();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => scripted.GetObjectAsync<WithCallback>(Ask));

        Assert.Contains("WithCallback.Callback", error.Message, StringComparison.Ordinal);
        Assert.Empty(scripted.Requests);
    }

    [Fact]
    public async Task Invalid_options_are_rejected_before_any_call()
    {
        var scripted = new ScriptedChatClient();

        await Assert.ThrowsAsync<ArgumentException>(() => scripted.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => scripted.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { ToolName = "has space" }));
        Assert.Empty(scripted.Requests);
    }

    [Fact]
    public async Task Unknown_members_are_rejected_even_when_the_schema_allows_them()
    {
        // The non-strict schema of Person leaves additionalProperties open; strict deserialization still refuses extras.
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":36,"nickname":"A"}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 1 });

        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("nickname", result.Failure.Errors[0].Message, StringComparison.Ordinal);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}
