using System.Text.Json;
using System.Text.Json.Serialization;
using LlmKit.Schema;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Core.Tests.StructuredOutput;

/// <summary>
/// Types whose answers System.Text.Json cannot read are refused before any call, naming the member; recursive types
/// work end to end.
/// </summary>
public sealed class StructuredContractTests
{
    private static readonly ChatMessage[] Ask = [new(ChatRole.User, "Answer.")];

    public static TheoryData<Type, string> Unreadable => new()
    {
        { typeof(WithStream), "WithStream.Data" },
        { typeof(WithMemoryStream), "WithMemoryStream.Buffer" },
        { typeof(IDisposable), "IDisposable" },
        { typeof(AbstractShape), "AbstractShape" },
        { typeof(WithAbstractMember), "WithAbstractMember.Shape" },
        { typeof(WithInterfaceList), "WithInterfaceList.Items[]" },
        { typeof(ValueTuple<int, string>), "Item1, Item2" },
        { typeof(WithNullableTuple), "WithNullableTuple.Pair" },
        { typeof(OnlyComputed), "OnlyComputed" },
        { typeof(NoUsableConstructor), "NoUsableConstructor" },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public async Task A_type_whose_answers_cannot_be_read_is_refused_before_any_call_naming_the_member(Type type, string member)
    {
        var scripted = new ScriptedChatClient().EnqueueText("{}");
        var getObject = typeof(StructuredContractTests).GetMethod(nameof(GetObject), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => (Task)getObject.Invoke(null, System.Reflection.BindingFlags.DoNotWrapExceptions, null, [scripted], null)!);

        Assert.Contains(member, error.Message, StringComparison.Ordinal);
        Assert.Empty(scripted.Requests);
    }

    [Fact]
    public void A_value_tuple_is_accepted_when_fields_are_serialized()
    {
        var schema = TypeSchema.For<(int Count, string Label)>(new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { IncludeFields = true });

        Assert.Contains("item1", schema.SchemaText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_abstract_base_with_derived_types_is_accepted_and_read_through_its_discriminator()
    {
        var scripted = new ScriptedChatClient().EnqueueText("""{"$type":"circle","radius":2}""");
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.NativeNotStrict);

        var result = await chat.GetObjectAsync<PolymorphicShape>(Ask);

        Assert.True(result.IsSuccess, result.Failure?.ToString());
        Assert.Equal(2, Assert.IsType<Circle>(result.Value).Radius);
    }

    [Fact]
    public void An_empty_record_is_still_a_valid_answer_shape() =>
        Assert.NotNull(TypeSchema.For<EmptyAnswer>());

    [Fact]
    public void A_self_referencing_class_has_a_strict_schema()
    {
        var schema = TypeSchema.For<TreeNode>();

        Assert.True(schema.StrictSchema is not null, schema.StrictUnavailableReason);
        Assert.True(schema.Validator.Validate(JsonDocument.Parse("""{"name":"a","a":{"name":"b","a":null}}""").RootElement).IsValid);
        Assert.False(schema.Validator.Validate(JsonDocument.Parse("""{"name":"a","a":{"name":1}}""").RootElement).IsValid);
    }

    public static TheoryData<Type> Recursive => [typeof(TreeNode), typeof(LinkedItem), typeof(Folder), typeof(Ping)];

    [Theory]
    [MemberData(nameof(Recursive))]
    public void Recursive_types_get_a_schema_and_a_validator(Type type)
    {
        var schema = TypeSchema.For(type);

        Assert.NotNull(schema.Validator);
        Assert.NotNull(schema.SchemaText);
    }

    [Fact]
    public async Task A_self_referencing_class_is_asked_for_and_read_back()
    {
        var scripted = new ScriptedChatClient().EnqueueText("""{"name":"root","a":{"name":"leaf","a":null}}""");
        var chat = new CapabilitiesChatClient(scripted, CapabilitiesChatClient.Native);

        var result = await chat.GetObjectAsync<TreeNode>(Ask);

        Assert.True(result.IsSuccess, result.Failure?.ToString());
        Assert.Equal("leaf", result.Value.A!.Name);
        Assert.Single(scripted.Requests);
    }

    private static Task<StructuredResult<T>> GetObject<T>(ScriptedChatClient client) =>
        new CapabilitiesChatClient(client, CapabilitiesChatClient.Native).GetObjectAsync<T>(Ask);

    public sealed record WithStream(string Name, Stream Data);

    public sealed class WithMemoryStream
    {
        public string? Name { get; set; }

        public MemoryStream? Buffer { get; set; }
    }

    public abstract record AbstractShape(string Name);

    public sealed record WithAbstractMember(string Name, AbstractShape Shape);

    public sealed record WithInterfaceList(List<IDisposable> Items);

    public sealed record WithNullableTuple(string Name, (int, string)? Pair);

    public sealed class OnlyComputed
    {
        public DateTime Now => DateTime.UnixEpoch;
    }

    public sealed class NoUsableConstructor
    {
        public NoUsableConstructor(int a)
        {
            A = a;
        }

        public NoUsableConstructor(int a, int b)
        {
            A = a + b;
        }

        public int A { get; set; }
    }

    [JsonPolymorphic]
    [JsonDerivedType(typeof(Circle), "circle")]
    [JsonDerivedType(typeof(Square), "square")]
    public abstract record PolymorphicShape;

    public sealed record Circle(double Radius) : PolymorphicShape;

    public sealed record Square(double Side) : PolymorphicShape;

    public sealed record EmptyAnswer;

    public sealed class TreeNode
    {
        public string? Name { get; set; }

        public TreeNode? A { get; set; }
    }

    public sealed record LinkedItem(string Value, LinkedItem? Next = null);

    public sealed record Folder(string Name, List<Folder> Children);

    public sealed record Ping(string Name, Pong? Reply = null);

    public sealed record Pong(string Name, Ping? Reply = null);
}
