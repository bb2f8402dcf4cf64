using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using LlmKit.Schema;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.StructuredOutput;

/// <summary>
/// One GetObjectAsync call spends at most StructuredOutputOptions.ValidationTimeout validating answers. Before the
/// budget, 1,000 strings against a catastrophic [RegularExpression] cost the full 100 ms regex timeout each: 100 s of
/// CPU per attempt.
/// </summary>
public sealed class ValidationBudgetTests
{
    private static readonly ChatMessage[] Ask = [new(ChatRole.User, "List the codes.")];

    private static readonly string Evil = new string('a', 28) + "!";

    [Fact]
    public async Task A_catastrophic_pattern_ends_the_call_at_the_validation_budget_without_asking_again()
    {
        string answer = """{"items":[""" + string.Join(",", Enumerable.Repeat($$"""{"value":"{{Evil}}"}""", 1000)) + "]}";
        var scripted = new ScriptedChatClient().EnqueueText(answer).EnqueueText(answer).EnqueueText(answer);
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);
        var options = new StructuredOutputOptions { ValidationTimeout = TimeSpan.FromMilliseconds(300) };

        var stopwatch = Stopwatch.StartNew();
        var result = await chat.GetObjectAsync<Codes>(Ask, options);
        stopwatch.Stop();

        Assert.False(result.IsSuccess);
        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("ValidationTimeout", result.Failure.Message, StringComparison.Ordinal);
        Assert.Equal("timeout", Assert.Single(result.Failure.Errors).Keyword);
        Assert.Single(scripted.Requests);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Answers_that_validate_quickly_are_unaffected_by_the_budget()
    {
        var scripted = new ScriptedChatClient().EnqueueText("""{"items":[{"value":"aaa"},{"value":"a"}]}""");
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);

        var result = await chat.GetObjectAsync<Codes>(Ask);

        Assert.True(result.IsSuccess, result.Failure?.ToString());
        Assert.Equal(2, result.Value.Items.Count);
    }

    [Fact]
    public void The_schema_carries_the_RegularExpression_as_a_pattern() =>
        Assert.Equal("^(?=(a+)+$)a", TypeSchema.For<Codes>().Schema.GetProperty("properties").GetProperty("items").GetProperty("items")
            .GetProperty("properties").GetProperty("value").GetProperty("pattern").GetString());

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task A_validation_budget_that_is_not_positive_is_refused_before_any_call(int milliseconds)
    {
        var scripted = new ScriptedChatClient();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            scripted.GetObjectAsync<Codes>(Ask, new StructuredOutputOptions { ValidationTimeout = TimeSpan.FromMilliseconds(milliseconds) }));

        Assert.Contains("ValidationTimeout", error.Message, StringComparison.Ordinal);
        Assert.Empty(scripted.Requests);
    }

    public sealed record Codes(List<Code> Items);

    public sealed record Code([property: RegularExpression("^(?=(a+)+$)a")] string Value);
}
