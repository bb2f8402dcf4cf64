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

    [Fact]
    public async Task A_stream_nested_deeper_than_64_levels_ends_with_a_typed_failure_and_shows_what_came_before()
    {
        string deep = new string('[', 70) + new string(']', 70);
        var scripted = new ScriptedChatClient().Enqueue(
            ScriptedTurn.FromText("""{"name":"Ada","age":36,"email":""" + deep + "}").StreamedAs("""{"name":"Ada","age":36,"email":""", deep, "}"));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);

        var updates = await Collect(chat.StreamObjectAsync<Person>(Ask, new StructuredOutputOptions { MaxAttempts = 1 }));

        var failure = updates[^1].Result!.Failure!;
        Assert.Equal(("depth", StructuredOutputFailureKind.Invalid), (Assert.Single(failure.Errors).Keyword, failure.Kind));
        Assert.Equal(2, updates.Count(u => !u.IsFinal));
        Assert.All(updates.Where(u => !u.IsFinal), u => Assert.Equal("Ada", (string?)u.PartialJson!["name"]));
        Assert.Contains(new string('[', 63) + new string(']', 63), updates[1].PartialJson!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_emoji_whose_halves_arrive_in_two_chunks_is_shown_whole_and_never_as_a_lone_surrogate(bool escaped)
    {
        // Built here, not in the attribute: xunit's test-case serialization would turn a lone surrogate into U+FFFD.
        string first = "{\"name\":\"Ada " + (escaped ? "\\ud83d" : "\uD83D");
        string second = (escaped ? "\\ude00" : "\uDE00") + "\",\"age\":36}";
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText(first + second).StreamedAs(first, second));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);

        var updates = await Collect(chat.StreamObjectAsync<Person>(Ask));

        Assert.Equal(["Ada ", "Ada \U0001F600"], updates.Where(u => !u.IsFinal).Select(u => u.Partial!.Name));
        Assert.Equal("Ada \U0001F600", updates[^1].Result!.Value.Name);
    }

    [Fact]
    public async Task A_partial_that_the_types_constructor_refuses_is_left_unread_and_the_stream_goes_on()
    {
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText("""{"name":"Ada"}""").StreamedAs("""{"na""", """me":"Ada"}"""));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);

        var updates = await Collect(chat.StreamObjectAsync<NamedOnly>(Ask));

        Assert.Null(updates[0].Partial); // {} : the constructor throws on the missing name
        Assert.Equal("Ada", updates[1].Partial!.Name);
        Assert.Equal("Ada", updates[^1].Result!.Value.Name);
    }

    [Fact]
    public async Task Partial_objects_are_built_only_when_read_and_only_once()
    {
        string[] chunks = ["{\"name\":\"", .. Enumerable.Range(0, 50).Select(i => $"w{i} "), "\"}"];
        var scripted = new ScriptedChatClient().Enqueue(ScriptedTurn.FromText(string.Concat(chunks)).StreamedAs(chunks));
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);
        Counted.Constructions = 0;

        var updates = await Collect(chat.StreamObjectAsync<Counted>(Ask));

        Assert.Equal(52, updates.Count);
        int built = Counted.Constructions;
        Assert.InRange(built, 1, 2); // the final answer (and the schema's one-time probe of the type): no partial was read
        Assert.Equal("w0 w1 ", updates[2].Partial!.Name);
        Assert.Same(updates[2].Partial, updates[2].Partial);
        Assert.Equal(built + 1, Counted.Constructions);
    }

    private static async Task<List<StructuredOutputUpdate<T>>> Collect<T>(IAsyncEnumerable<StructuredOutputUpdate<T>> stream)
    {
        var updates = new List<StructuredOutputUpdate<T>>();
        await foreach (var update in stream)
        {
            updates.Add(update);
        }

        return updates;
    }

    public sealed record NamedOnly
    {
        public NamedOnly(string name) => Name = name ?? throw new ArgumentNullException(nameof(name));

        public string Name { get; }
    }

    public sealed record Counted
    {
        // Only the one test above reads it, and tests of one class run one at a time.
        public static int Constructions { get; set; }

        public Counted(string name)
        {
            Constructions++;
            Name = name;
        }

        public string Name { get; }
    }
}
