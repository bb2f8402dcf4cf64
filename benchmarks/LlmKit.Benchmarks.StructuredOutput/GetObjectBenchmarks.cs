using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using BenchmarkDotNet.Attributes;
using LlmKit.ChatCompletion;
using LlmKit.StructuredOutput;
using LlmKit.Testing;
using Microsoft.Extensions.AI;

namespace LlmKit.Benchmarks.StructuredOutput;

/// <summary>
/// Time and bytes per structured call with the model taken out: the client answers at once with canned JSON. The
/// reference is Microsoft.Extensions.AI's <c>GetResponseAsync&lt;T&gt;</c> on the same client in the same run; it
/// deserializes without validating, so the difference is the price of LlmKit's validation.
/// </summary>
[Config(typeof(QuickConfig))]
public class GetObjectBenchmarks
{
    private const string Answer = """{"name":"Ada Lovelace","age":36,"email":"ada@example.com","tags":["math","poetry"],"address":{"street":"12 St James's Square","city":"London"}}""";

    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Extract the person.")];

    private IChatClient _canned = null!;
    private IChatClient _scripted = null!;

    [GlobalSetup]
    public void Setup()
    {
        var capabilities = new ChatClientCapabilities { SupportsJsonSchemaResponseFormat = true, SupportsStrictJsonSchema = true };
        _canned = new CapabilitiesClient(new CannedChatClient(Answer), capabilities);
        var turn = ScriptedTurn.FromText(Answer);
        _scripted = new CapabilitiesClient(new ScriptedChatClient().RespondToEveryRequest(_ => turn), capabilities);
    }

    [Benchmark(Baseline = true, Description = "M.E.AI GetResponseAsync<T> (canned client)")]
    public async Task<string> MeaiCanned() => (await _canned.GetResponseAsync<Person>(Messages)).Result.Name;

    [Benchmark(Description = "LlmKit GetObjectAsync<T> (canned client)")]
    public async Task<string> LlmKitCanned() => (await _canned.GetObjectAsync<Person>(Messages)).Value.Name;

    [Benchmark(Description = "M.E.AI GetResponseAsync<T> (ScriptedChatClient)")]
    public async Task<string> MeaiScripted() => (await _scripted.GetResponseAsync<Person>(Messages)).Result.Name;

    [Benchmark(Description = "LlmKit GetObjectAsync<T> (ScriptedChatClient)")]
    public async Task<string> LlmKitScripted() => (await _scripted.GetObjectAsync<Person>(Messages)).Value.Name;

    public sealed record Person(
        [property: Description("Full name"), StringLength(80, MinimumLength = 1)] string Name,
        [property: Range(0, 130)] int Age,
        [property: EmailAddress] string? Email,
        List<string> Tags,
        Address Address);

    public sealed record Address(string Street, string City);

    /// <summary>The cheapest possible model: a fresh response with the same text, nothing recorded.</summary>
    private sealed class CannedChatClient(string text) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { FinishReason = ChatFinishReason.Stop });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
