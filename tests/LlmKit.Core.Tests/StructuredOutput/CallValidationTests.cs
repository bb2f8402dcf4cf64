using System.ComponentModel.DataAnnotations;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.StructuredOutput;

/// <summary>StructuredOutputOptions.WithValidation: rules that depend on the call, fed back like schema errors.</summary>
public sealed class CallValidationTests
{
    private static readonly ChatMessage[] Ask = [new(ChatRole.User, "Who is mentioned? Ada Lovelace, 36.")];

    // Only people the caller already knows about are acceptable answers: a rule no type-level attribute can express.
    private static IEnumerable<ValidationResult> KnownPerson(Person person)
    {
        if (person.Name is not ("Ada Lovelace" or "Charles Babbage"))
        {
            yield return new ValidationResult($"'{person.Name}' is not one of the people in the text.", [nameof(Person.Name)]);
        }
    }

    [Fact]
    public async Task A_value_the_call_rejects_is_fed_back_at_its_JSON_pointer_and_the_corrected_answer_returned()
    {
        var scripted = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("""{"name":"Alan Turing","age":36,"email":null}"""),
            ScriptedTurn.FromText("""{"name":"Ada Lovelace","age":36,"email":null}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);
        var options = new StructuredOutputOptions { MaxAttempts = 2 };

        var result = await chat.GetObjectAsync<Person>(Ask, options.WithValidation<Person>(KnownPerson));

        Assert.Equal(("Ada Lovelace", 2), (result.Value.Name, result.Attempts));
        Assert.Contains("/name: 'Alan Turing' is not one of the people in the text.", scripted.Requests[1].Messages[^1].Text, StringComparison.Ordinal);
        Assert.Null(options.CallValidation); // the options it was made from are unchanged
    }

    [Fact]
    public async Task Still_rejected_after_MaxAttempts_is_an_Invalid_failure_carrying_the_calls_errors()
    {
        var scripted = new ScriptedChatClient().RespondToEveryRequest(_ => ScriptedTurn.FromText("""{"name":"Alan Turing","age":36,"email":null}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 2 }.WithValidation<Person>(KnownPerson));

        Assert.False(result.IsSuccess);
        Assert.Equal(StructuredOutputFailureKind.Invalid, result.Failure.Kind);
        var error = Assert.Single(result.Failure.Errors);
        Assert.Equal(("/name", "validation"), (error.InstanceLocation, error.Keyword));
        Assert.Equal(2, scripted.Requests.Count);
    }

    [Fact]
    public async Task A_validation_for_another_type_is_refused_before_any_call()
    {
        var scripted = new ScriptedChatClient();
        var options = new StructuredOutputOptions().WithValidation<string>(_ => []);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => scripted.GetObjectAsync<Person>(Ask, options));

        Assert.Contains("WithValidation<Person>", error.Message, StringComparison.Ordinal);
        Assert.Empty(scripted.Requests);
    }
}
