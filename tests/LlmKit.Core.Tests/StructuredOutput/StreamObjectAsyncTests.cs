using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.StructuredOutput;

public sealed class StreamObjectAsyncTests
{
    private static readonly ChatMessage[] Ask = [new(ChatRole.User, "Who is mentioned?")];

    [Fact]
    public async Task Partial_objects_grow_as_the_model_writes_and_the_last_update_is_the_validated_result()
    {
        var scripted = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("""{"name":"Ada Lovelace","age":36,"email":null}""")
                .StreamedAs("""{"na""", """me":"Ada""", """ Love""", """lace","ag""", """e":3""", """6,"email":null}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var updates = new List<StructuredOutputUpdate<Person>>();
        await foreach (var update in chat.StreamObjectAsync<Person>(Ask))
        {
            updates.Add(update);
        }

        var partialNames = updates.Where(u => !u.IsFinal).Select(u => u.Partial?.Name).ToList();
        Assert.Equal([null, "Ada", "Ada Love", "Ada Lovelace", "Ada Lovelace", "Ada Lovelace"], partialNames);
        Assert.Equal(3, updates[^3].Partial!.Age);
        Assert.Equal(36, updates[^2].Partial!.Age);
        Assert.Equal("""{"name":"Ada Lovelace","age":3}""", updates[^3].PartialJson!.ToJsonString());
        var final = updates[^1];
        Assert.True(final.IsFinal);
        Assert.Equal(new Person("Ada Lovelace", 36), final.Result!.Value);
        Assert.Single(updates, u => u.IsFinal);
        Assert.True(scripted.Requests[0].IsStreaming);
    }

    [Fact]
    public async Task A_stream_that_ends_invalid_is_retried_and_updates_say_which_attempt_they_belong_to()
    {
        var scripted = new ScriptedChatClient()
            .Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":"old"}"""))
            .Enqueue(ScriptedTurn.FromText("""{"name":"Ada","age":36}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);

        var updates = new List<StructuredOutputUpdate<Person>>();
        await foreach (var update in chat.StreamObjectAsync<Person>(Ask))
        {
            updates.Add(update);
        }

        Assert.Contains(updates, u => u.Attempt == 1 && !u.IsFinal);
        Assert.Equal(2, updates[^1].Attempt);
        Assert.Equal(36, updates[^1].Result!.Value.Age);
        Assert.Contains("/age: Must be an integer", scripted.Requests[1].Messages[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrapped_root_streams_the_unwrapped_value()
    {
        var scripted = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("""{"value":["a","b","c"]}""").StreamedAs("{\"value\":[\"a\",", "\"b\",", "\"c\"]}"));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var partials = new List<string[]?>();
        StructuredResult<string[]>? result = null;
        await foreach (var update in chat.StreamObjectAsync<string[]>(Ask))
        {
            if (update.IsFinal)
            {
                result = update.Result;
            }
            else
            {
                partials.Add(update.Partial);
            }
        }

        Assert.Equal([["a"], ["a", "b"], ["a", "b", "c"]], partials);
        Assert.Equal(["a", "b", "c"], result!.Value);
    }
}
